/**
 * Defence in depth for resume: the client's cursor is the last rev up to
 * which it holds everything, so even a server that delivers a room's events
 * out of order (here: a bare in-process bus without the room-order layer)
 * cannot make a reconnecting client skip messages. The client's socket is
 * cut right after every live event that skipped ahead — the moment a cursor
 * set to "the newest rev seen" would lose the ones still on their way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { InProcessBus } from '@parley/server-adapter';
import { createClient } from '../src/index.js';
import type { Message, ParleyClient } from '../src/index.js';
import type { WebSocketConstructor } from '../src/transport/platform.js';
import { nodeClient, startServer, until } from './helpers.js';
import type { TestServer } from './helpers.js';

/** Bursts, and messages per sender in each. */
const WAVES = 8;
const PER_WAVE = 40;
const MAX_CUTS = 25;

/** Events the wrapper passes on (the SDK reads only these fields). */
type Listener<E> = ((event: E) => void) | null;

/** A `ws` socket that cuts itself right after a live message event whose rev skipped past the newest one it saw in that room. */
function cuttingWebSocket(counter: { cuts: number; skips: number }): WebSocketConstructor {
  const newest = new Map<string, number>();
  return class CuttingWebSocket {
    readonly #ws: WebSocket;
    onopen: Listener<unknown> = null;
    onmessage: Listener<{ data: unknown }> = null;
    onclose: Listener<{ code: number; reason: string }> = null;
    onerror: Listener<unknown> = null;

    constructor(url: string) {
      const ws = (this.#ws = new WebSocket(url));
      ws.onopen = (event) => this.onopen?.(event);
      ws.onclose = (event) => this.onclose?.(event);
      ws.onerror = (event) => this.onerror?.(event);
      ws.onmessage = (event) => {
        this.onmessage?.(event);
        this.#inspect(String(event.data));
      };
    }

    get readyState(): number {
      return this.#ws.readyState;
    }

    send(data: string): void {
      this.#ws.send(data);
    }

    close(code?: number, reason?: string): void {
      this.#ws.close(code, reason);
    }

    #inspect(text: string): void {
      const frame = JSON.parse(text) as { type?: string; message?: { room?: string; rev?: number } };
      if (frame.type !== 'message' && frame.type !== 'message.updated') return;
      const room = frame.message?.room;
      const rev = frame.message?.rev;
      if (room === undefined || rev === undefined) return;
      const before = newest.get(room) ?? rev - 1;
      newest.set(room, Math.max(before, rev));
      if (rev <= before + 1) return;
      counter.skips++;
      if (counter.cuts >= MAX_CUTS) return;
      counter.cuts++;
      this.#ws.terminate();
    }
  };
}

describe('resume from the last contiguous rev', () => {
  let server: TestServer;
  const clients: ParleyClient[] = [];
  before(async () => {
    server = await startServer({ bus: new InProcessBus() });
  });
  after(async () => {
    for (const client of clients) await client.dispose();
    await server.dispose();
  });

  it('misses nothing when cut right after each event that skipped ahead', async () => {
    const ada = nodeClient(server.url, await server.token('ada'));
    const bob = nodeClient(server.url, await server.token('bob'));
    const counter = { cuts: 0, skips: 0 };
    const cy = createClient({
      url: server.url,
      token: await server.token('cy'),
      WebSocket: cuttingWebSocket(counter),
      offline: 'memory',
      reconnect: { baseMs: 20, capMs: 100 },
    });
    clients.push(ada, bob, cy);
    await Promise.all([ada.connect(), bob.connect(), cy.connect()]);
    await Promise.all([ada.whenOnline(), bob.whenOnline(), cy.whenOnline()]);
    const room = await ada.createRoom({ kind: 'group', name: 'Busy', members: ['bob', 'cy'] });
    await until(() => cy.state.rooms[room.id]?.info !== undefined && bob.state.rooms[room.id]?.info !== undefined, 'everyone knows the room');

    // In waves, both send a burst at once; their events leave this server in each connection's ack order.
    const sent: Message[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      await cy.whenOnline();
      const sends: Array<Promise<Message>> = [];
      for (let i = 0; i < PER_WAVE; i++) sends.push(room.send(`ada ${wave}.${i}`), bob.room(room.id).send(`bob ${wave}.${i}`));
      sent.push(...(await Promise.all(sends)));
    }
    // What the server committed, in room order.
    const expected = sent.sort((a, b) => a.seq - b.seq).map((m) => m.id);
    const seen = (): string[] => (cy.state.rooms[room.id]?.messages ?? []).filter((m) => m.kind === 'user').map((m) => m.id);
    await until(() => seen().length >= expected.length && cy.state.connection === 'online', 'cy catches up', 60_000);
    assert.ok(counter.skips > 0, 'the unordered server did deliver events out of order (otherwise this test proves nothing)');
    assert.deepEqual(seen(), expected, 'cy holds every message once, in room order');
    assert.equal(cy.state.rooms[room.id]?.gap, null);
  });
});
