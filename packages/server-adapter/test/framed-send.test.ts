/**
 * Ready-made broadcast frames: a real `ws` client receives exactly the text
 * the server framed itself, at every header size, and the installed `ws`
 * takes ready frames (so the fast path is not silently lost on an upgrade).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { sendFramed, takesReadyFrames, textFrame } from '../src/sockets/framed-send.js';

describe('ready-made text frames', () => {
  let wss: WebSocketServer;
  let serverSide: WebSocket;
  let client: WebSocket;
  const received: Array<{ text: string; binary: boolean }> = [];
  let waiting: (() => void) | null = null;

  before(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false });
    client.on('message', (data, binary) => {
      received.push({ text: (data as Buffer).toString('utf8'), binary });
      waiting?.();
    });
    serverSide = await accepted;
    await new Promise<void>((resolve) => (client.readyState === WebSocket.OPEN ? resolve() : client.once('open', () => resolve())));
  });

  after(async () => {
    client.close();
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('is taken directly by the installed ws', () => {
    assert.equal(takesReadyFrames(serverSide), true);
  });

  it('arrives as the same text frame at every header size', async () => {
    // 7-bit, 16-bit and 64-bit payload lengths, at their edges, and non-ASCII text.
    const sizes = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000];
    const texts = [...sizes.map((n) => 'x'.repeat(n)), '{"type":"message","text":"héllo 世界 👋"}'];
    for (const text of texts) {
      const payload = Buffer.from(text, 'utf8');
      const before = received.length;
      const arrived = new Promise<void>((resolve) => (waiting = () => received.length > before && resolve()));
      sendFramed(serverSide, payload, textFrame(payload));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no frame for ${payload.length} bytes`)), 5_000)));
      await Promise.race([arrived, timeout]).finally(() => clearTimeout(timer));
      const got = received.at(-1);
      assert.equal(got?.binary, false);
      assert.equal(got?.text, text, `payload of ${payload.length} bytes`);
    }
  });
});
