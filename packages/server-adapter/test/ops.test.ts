import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { CloseCode, ErrorCode } from '@parley/sdk/protocol';
import type { ErrorFrame } from '@parley/sdk/protocol';
import { createServer } from '../src/index.js';
import { METRICS_TOKEN, SECRET, TestClient, cid, createRoom, send, signToken, startServer } from './helpers.js';

describe('ops', () => {
  it('answers /healthz and exposes Prometheus metrics', async () => {
    const ts = await startServer({ limits: { connectionRate: { perSecond: 1, burst: 3 } } });
    try {
      const health = await fetch(`${ts.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok', checks: { bus: { status: 'ok' }, storage: { status: 'ok' } } });

      const ada = await ts.connect('ada');
      const room = await createRoom(ada, []);
      await send(ada, room, 'measured');
      const ids = Array.from({ length: 5 }, () => ada.sendWithId({ type: 'ping' }));
      await Promise.all(ids.map((id) => ada.answerTo(id)));

      const res = await fetch(`${ts.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      const text = await res.text();
      assert.match(text, /^parley_connections 1$/m);
      assert.match(text, /^parley_frames_in_total\{type="message.send"\} 1$/m);
      assert.match(text, /^parley_frames_out_total\{type="welcome"\} 1$/m);
      assert.match(text, /^parley_message_commit_seconds_count 1$/m);
      assert.match(text, /^parley_errors_total\{code="rate_limited"\} [1-9]/m);
      assert.match(text, /^parley_rate_limited_total\{scope="connection"\} [1-9]/m);
      assert.match(text, /^parley_process_cpu_seconds_total /m);
    } finally {
      await ts.close();
    }
  });

  it('logs connection open and close with the close code as JSON lines', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const ts = await startServer({ logger: pino({ level: 'info' }, sink) });
    try {
      const ada = await ts.connect('ada');
      await ada.close();
      for (let i = 0; i < 100 && !lines.some((l) => l.msg === 'connection closed'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.ok(lines.some((l) => l.msg === 'connection open'));
      const closed = lines.find((l) => l.msg === 'connection closed');
      assert.equal(closed?.code, 1000);
      assert.equal(closed?.user, 'ada');
    } finally {
      await ts.close();
    }
  });

  it('closes gracefully: 503 health, new sockets refused, in-flight work finished, 1001 with retryAfterMs, data kept', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-close-'));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inHook = new Promise<void>((resolve) => (entered = resolve));
    const server = createServer({
      dataDir,
      logger: false,
      auth: { secret: SECRET },
      hooks: {
        moderateMessage: async (ctx) => {
          if (ctx.text === 'slow one') {
            entered();
            await gate;
          }
          return 'allow' as const;
        },
      },
    });
    try {
      const { port } = await server.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${port}`;
      const wsUrl = `ws://127.0.0.1:${port}/v1/ws`;
      const ada = await TestClient.connect(wsUrl, await signToken('ada'));
      const room = await createRoom(ada, []);
      const sendId = ada.sendWithId({ type: 'message.send', room, clientId: cid(), text: 'slow one' });
      // Queued behind the send; it is still waiting when the drain starts.
      const pingId = ada.sendWithId({ type: 'ping' });
      await inHook;

      const closing = server.close();
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 503);
      assert.deepEqual(await health.json(), { status: 'closing' });
      await assert.rejects(TestClient.open(wsUrl));

      release();
      const ack = await ada.answerTo(sendId);
      assert.equal(ack.type, 'ack');
      const refused = (await ada.answerTo(pingId)) as ErrorFrame;
      assert.equal(refused.code, ErrorCode.Unavailable);
      assert.equal(refused.retryable, true);
      const closed = await ada.waitForClose();
      assert.equal(closed.code, CloseCode.GoingAway);
      assert.ok((closed.reason.retryAfterMs ?? 0) >= 1000);
      await closing;

      const again = createServer({ dataDir, logger: false, auth: { secret: SECRET } });
      const { port: port2 } = await again.listen(0, '127.0.0.1');
      try {
        const back = await TestClient.connect(`ws://127.0.0.1:${port2}/v1/ws`, await signToken('ada'));
        const { messages } = await back.request('message.history', { room });
        assert.ok(messages.some((m) => m.text === 'slow one'));
        back.terminate();
      } finally {
        await again.close();
      }
    } finally {
      release();
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('attaches to an existing HTTP server without breaking its routes or upgrades', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-attach-'));
    const host: HttpServer = createHttpServer((req, res) => {
      res.writeHead(req.url === '/hello' ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(req.url === '/hello' ? 'host says hi' : 'host 404');
    });
    const hostWss = new WebSocketServer({ noServer: true });
    host.on('upgrade', (req, socket, head) => {
      if (req.url !== '/host-ws') return;
      hostWss.handleUpgrade(req, socket, head, (ws) => ws.send('host socket'));
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const address = host.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const url = `http://127.0.0.1:${port}`;
    const parley = createServer({ dataDir, logger: false, auth: { secret: SECRET } });
    try {
      await parley.attach(host, { path: '/chat' });
      assert.equal(await (await fetch(`${url}/hello`)).text(), 'host says hi');
      assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { status: 'ok', checks: { bus: { status: 'ok' }, storage: { status: 'ok' } } });
      assert.equal((await fetch(`${url}/elsewhere`)).status, 404);

      const client = await TestClient.connect(`ws://127.0.0.1:${port}/chat`, await signToken('ada'));
      await client.request('ping', {});
      const hostSocket = new WebSocket(`ws://127.0.0.1:${port}/host-ws`);
      const greeting = await new Promise<string>((resolve, reject) => {
        hostSocket.once('message', (data) => resolve(String(data)));
        hostSocket.once('error', reject);
      });
      assert.equal(greeting, 'host socket');
      hostSocket.close();

      await parley.close();
      assert.equal((await client.waitForClose()).code, CloseCode.GoingAway);
      assert.equal(await (await fetch(`${url}/hello`)).text(), 'host says hi');
      assert.equal(await (await fetch(`${url}/healthz`)).text(), 'host 404');
    } finally {
      await parley.close();
      hostWss.close();
      await new Promise<void>((resolve) => host.close(() => resolve()));
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('cuts sockets that stop answering WebSocket pings, and keeps live ones', async () => {
    const ts = await startServer({ timing: { pingIntervalMs: 100 } });
    try {
      const live = await ts.connect('ada');
      const silent = new TestClient(new WebSocket(ts.wsUrl, { autoPong: false }));
      await new Promise<void>((resolve, reject) => {
        silent.ws.once('open', () => resolve());
        silent.ws.once('error', reject);
      });
      await silent.auth(await signToken('bob'));
      const closed = await silent.waitForClose();
      assert.equal(closed.code, 1006);
      assert.equal(live.ws.readyState, WebSocket.OPEN);
      await live.request('ping', {});
    } finally {
      await ts.close();
    }
  });

  it('serves static directories at /, first match wins', async () => {
    const root = await mkdtemp(join(tmpdir(), 'parley-static-'));
    const a = join(root, 'a');
    const b = join(root, 'b');
    await mkdir(a);
    await mkdir(b);
    await writeFile(join(a, 'index.html'), '<p>from a</p>');
    await writeFile(join(a, 'shared.txt'), 'a wins');
    await writeFile(join(b, 'shared.txt'), 'b loses');
    await writeFile(join(b, 'only-b.txt'), 'only in b');
    const ts = await startServer({ static: [a, b] });
    try {
      assert.equal(await (await fetch(`${ts.url}/`)).text(), '<p>from a</p>');
      assert.equal(await (await fetch(`${ts.url}/shared.txt`)).text(), 'a wins');
      const onlyB = await fetch(`${ts.url}/only-b.txt`);
      assert.equal(await onlyB.text(), 'only in b');
      assert.equal(onlyB.headers.get('x-content-type-options'), 'nosniff');
      assert.equal((await fetch(`${ts.url}/missing.txt`)).status, 404);
      assert.equal((await fetch(`${ts.url}/healthz`)).status, 200);
    } finally {
      await ts.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('serves a directory under a path with /path=dir, beside the same one at /', async () => {
    const root = await mkdtemp(join(tmpdir(), 'parley-static-'));
    const page = join(root, 'examples', 'script-tag');
    await mkdir(page, { recursive: true });
    await writeFile(join(page, 'index.html'), '<p>script tag page</p>');
    const examples = join(root, 'examples');
    const ts = await startServer({ static: [examples, `/examples=${examples}`] });
    try {
      for (const path of ['/script-tag/?user=ada&room=lobby', '/examples/script-tag/?user=ada&room=lobby', '/examples/script-tag/index.html']) {
        const res = await fetch(`${ts.url}${path}`);
        assert.equal(res.status, 200, path);
        assert.equal(await res.text(), '<p>script tag page</p>', path);
      }
      assert.equal((await fetch(`${ts.url}/examples/missing.html`)).status, 404);
      assert.equal((await fetch(`${ts.url}/examplesscript-tag/`)).status, 404, 'only whole path segments match');
      assert.equal((await fetch(`${ts.url}/healthz`)).status, 200);
    } finally {
      await ts.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
