import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { backoffDelay, DEFAULT_BACKOFF } from '../src/transport/backoff.js';
import { defaultTimers } from '../src/transport/platform.js';
import { Transport } from '../src/transport/transport.js';
import type { TransportClose } from '../src/transport/transport.js';
import { CloseCode, encodeCloseReason } from '../src/protocol/codes.js';

describe('backoffDelay (full jitter)', () => {
  const options = { baseMs: 500, capMs: 30_000 };

  it('spans [0, min(cap, base·2^attempt)) as random goes from 0 to 1', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(30_000, 500 * 2 ** attempt);
      assert.equal(backoffDelay(attempt, options, () => 0), 0);
      const top = backoffDelay(attempt, options, () => 0.999999);
      assert.ok(top < ceiling && top >= ceiling - 1, `attempt ${attempt}: ${top} vs ${ceiling}`);
      assert.equal(backoffDelay(attempt, options, () => 0.5), Math.floor(ceiling / 2));
    }
  });

  it('never exceeds the cap, even after very many attempts', () => {
    for (const attempt of [20, 60, 1000]) assert.ok(backoffDelay(attempt, options, () => 0.999999) < 30_000);
  });

  it('never retries sooner than the retryAfterMs the server asked for', () => {
    assert.equal(backoffDelay(0, options, () => 0, 5000), 5000);
    assert.equal(backoffDelay(3, options, () => 0.5, 1000), 2000, 'a longer jittered delay still wins');
    assert.equal(backoffDelay(6, options, () => 0.999999, 1000), 29_999, 'capped jitter');
  });

  it('defaults to 500 ms base and a 30 s cap', () => {
    assert.deepEqual({ ...DEFAULT_BACKOFF }, options);
  });
});

describe('Transport against a real WebSocket server', () => {
  let server: WebSocketServer;
  let url: string;
  /** What the server does with each new connection, in order. */
  let behaviours: Array<(socket: WebSocket) => void> = [];
  let connections = 0;

  before(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('connection', (socket) => {
      connections++;
      const behaviour = behaviours.shift();
      if (behaviour) behaviour(socket);
    });
  });

  after(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  function transport(random = () => 0): { transport: Transport; closes: TransportClose[]; opens: () => number } {
    const t = new Transport({
      url,
      WebSocket,
      backoff: { baseMs: 20, capMs: 100 },
      random,
      timers: defaultTimers,
      handshakeTimeoutMs: 5_000,
      network: null,
    });
    const closes: TransportClose[] = [];
    let opens = 0;
    t.on('close', (c) => closes.push(c));
    t.on('open', () => {
      opens++;
      t.markHealthy();
    });
    return { transport: t, closes, opens: () => opens };
  }

  async function until(condition: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 400; i++) {
      if (condition()) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  it('reconnects after a retryable close (server going away) and delivers frames', async () => {
    connections = 0;
    behaviours = [
      (s) => s.close(CloseCode.GoingAway, encodeCloseReason({ retryAfterMs: 10 })),
      (s) => s.on('message', (data) => s.send(`echo:${String(data)}`)),
    ];
    const { transport: t, closes, opens } = transport();
    const messages: string[] = [];
    t.on('message', (m) => messages.push(m));
    t.start();
    await until(() => opens() === 2 && t.isOpen, 'the second connection');
    assert.equal(closes[0].code, CloseCode.GoingAway);
    assert.equal(closes[0].retryInMs, 10, 'waited retryAfterMs (jitter 0)');
    t.send('hi');
    await until(() => messages.length === 1, 'the echo');
    assert.deepEqual(messages, ['echo:hi']);
    t.stop();
    assert.equal(closes.at(-1)?.retryInMs, null);
  });

  it('never reconnects after a fatal close (auth failed)', async () => {
    connections = 0;
    behaviours = [(s) => s.close(CloseCode.AuthFailed, encodeCloseReason({ code: 'auth_failed' }))];
    const { transport: t, closes } = transport();
    t.start();
    await until(() => closes.length === 1, 'the close');
    assert.equal(closes[0].code, CloseCode.AuthFailed);
    assert.equal(closes[0].retryInMs, null);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(connections, 1, 'no second attempt');
  });

  it('drops a connection whose heartbeat goes unanswered, then reconnects', async () => {
    connections = 0;
    behaviours = [() => undefined, () => undefined];
    const { transport: t, closes, opens } = transport();
    t.on('open', () => t.startHeartbeat(30, () => new Promise(() => undefined)));
    t.start();
    await until(() => opens() === 2, 'reconnect after the missed pong');
    assert.equal(closes[0].code, 1006);
    assert.notEqual(closes[0].retryInMs, null);
    t.stop();
  });

  it('retries at once when the network comes back instead of waiting out the backoff', async () => {
    connections = 0;
    behaviours = [(s) => s.close(CloseCode.TryAgainLater, encodeCloseReason({ retryAfterMs: 60_000 })), () => undefined];
    let online: (() => void) | null = null;
    const t = new Transport({
      url,
      WebSocket,
      backoff: { baseMs: 20, capMs: 100 },
      random: () => 0,
      timers: defaultTimers,
      handshakeTimeoutMs: 5_000,
      network: {
        onOnline(callback) {
          online = callback;
          return () => {
            online = null;
          };
        },
      },
    });
    const closes: TransportClose[] = [];
    t.on('close', (c) => closes.push(c));
    t.start();
    await until(() => closes.length === 1, 'the load-shedding close');
    assert.equal(closes[0].retryInMs, 60_000);
    assert.ok(online, 'listening for the online event');
    (online as () => void)();
    await until(() => connections === 2 && t.isOpen, 'the immediate reconnect');
    t.stop();
    assert.equal(online, null, 'stopped listening');
  });

  it('keeps retrying with growing delays while the server refuses', async () => {
    const rejecting = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: () => false });
    await new Promise((resolve) => rejecting.once('listening', resolve));
    const local = new Transport({
      url: `ws://127.0.0.1:${(rejecting.address() as AddressInfo).port}`,
      WebSocket,
      backoff: { baseMs: 4, capMs: 40 },
      random: () => 0.999,
      timers: defaultTimers,
      handshakeTimeoutMs: 5_000,
      network: null,
    });
    const delays: number[] = [];
    local.on('close', (c) => {
      if (c.retryInMs !== null) delays.push(c.retryInMs);
    });
    local.start();
    await until(() => delays.length >= 6, 'six attempts');
    local.stop();
    await new Promise((resolve) => rejecting.close(resolve));
    // floor(0.999 · min(40, 4·2^n)): doubling, then capped.
    assert.deepEqual(delays.slice(0, 6), [3, 7, 15, 31, 39, 39]);
  });
});
