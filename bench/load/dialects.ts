/**
 * How a raw load-generator socket speaks to each server under test: the URL,
 * the handshake, the frame a publisher sends and how a received frame is
 * classified. Frames are handled as bytes so the generator stays cheap: no
 * JSON parsing per received frame, only a prefix check and a stamp lookup.
 */
import type WebSocket from 'ws';
import { mintToken } from '../lib/tokens.js';

/** The servers the chat scenarios drive. */
export type DialectName = 'parley' | 'bare-ws' | 'socket.io';

/** What a received frame is. */
export const FrameKind = {
  Other: 0,
  /** A room message delivered to this socket. */
  Delivery: 1,
  /** The answer to this socket's own send (our server only). */
  Ack: 2,
  /** An error answer (rate limits and the like; our server only). */
  Error: 3,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** One socket of the generator. */
export interface SocketSpec {
  user: string;
  room: string;
  /** The server port this socket connects to, when not the group's (one node of several). */
  port?: number;
}

/** A server's wire dialect, as the generator needs it. */
export interface Dialect {
  url(port: number, spec: SocketSpec): string;
  /** Runs the handshake on an open socket; resolves when room messages can flow. */
  handshake(ws: WebSocket, spec: SocketSpec): Promise<void>;
  /** The frame that publishes `text` to the socket's room. */
  publish(spec: SocketSpec, text: string, n: number): string;
  classify(frame: Buffer): FrameKind;
  /** Answers protocol keep-alives (socket.io pings); true when the frame was one. */
  keepAlive(ws: WebSocket, frame: Buffer): boolean;
  /** A periodic client heartbeat, if the protocol has one (our `ping`, every `heartbeatMs`). */
  heartbeat?: { everyMs: number; frame(n: number): string };
}

/** Resolves with the first frame on `ws` (as a Buffer), rejecting on close. */
function nextFrame(ws: WebSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer): void => {
      cleanup();
      resolve(data);
    };
    const onClose = (code: number): void => {
      cleanup();
      reject(new Error(`closed with ${code} during the handshake`));
    };
    const cleanup = (): void => {
      ws.off('message', onMessage);
      ws.off('close', onClose);
    };
    ws.on('message', onMessage);
    ws.on('close', onClose);
  });
}

const startsWith = (frame: Buffer, prefix: Buffer): boolean => frame.length >= prefix.length && frame.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

const MESSAGE_EVENT = Buffer.from('{"type":"message",');
const ACK = Buffer.from('{"type":"ack"');
const ERROR = Buffer.from('{"type":"error"');
/** Unique per generator process, so client ids never repeat across runs. */
const RUN = `${process.pid.toString(36)}${Date.now().toString(36)}`;

const parley: Dialect = {
  url: (port) => `ws://127.0.0.1:${port}/v1/ws`,
  async handshake(ws, spec) {
    const answer = nextFrame(ws);
    ws.send(JSON.stringify({ type: 'auth', id: 0, v: 1, token: await mintToken(spec.user) }));
    const frame = await answer;
    if (!startsWith(frame, Buffer.from('{"type":"welcome"'))) throw new Error(`auth refused: ${frame.toString('utf8', 0, 200)}`);
  },
  publish: (spec, text, n) =>
    `{"type":"message.send","id":${n},"room":${JSON.stringify(spec.room)},"clientId":"${RUN}-${spec.user}-${n}","text":${JSON.stringify(text)}}`,
  classify(frame) {
    if (startsWith(frame, MESSAGE_EVENT)) return FrameKind.Delivery;
    if (startsWith(frame, ACK)) return FrameKind.Ack;
    if (startsWith(frame, ERROR)) return FrameKind.Error;
    return FrameKind.Other;
  },
  keepAlive: () => false,
  heartbeat: { everyMs: 25_000, frame: (n) => `{"type":"ping","id":${n}}` },
};

const bareWs: Dialect = {
  url: (port, spec) => `ws://127.0.0.1:${port}/r/${encodeURIComponent(spec.room)}`,
  handshake: () => Promise.resolve(),
  // The same frame our server gets; the bare server forwards it as is.
  publish: parley.publish,
  classify: () => FrameKind.Delivery,
  keepAlive: () => false,
};

const SIO_EVENT = Buffer.from('42[');
const SIO_PING = Buffer.from('2');

const socketIo: Dialect = {
  url: (port, spec) => `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket&room=${encodeURIComponent(spec.room)}`,
  async handshake(ws) {
    // Engine.io v4 over WebSocket: the server opens with "0{…}", the client
    // joins the default namespace with "40" and the server confirms with "40{…}".
    const open = await nextFrame(ws);
    if (open[0] !== 0x30) throw new Error(`unexpected engine.io open: ${open.toString('utf8', 0, 100)}`);
    const connected = nextFrame(ws);
    ws.send('40');
    const ack = await connected;
    if (!startsWith(ack, Buffer.from('40'))) throw new Error(`namespace refused: ${ack.toString('utf8', 0, 100)}`);
  },
  publish: (_spec, text) => `42["msg",${JSON.stringify(text)}]`,
  classify: (frame) => (startsWith(frame, SIO_EVENT) ? FrameKind.Delivery : FrameKind.Other),
  keepAlive(ws, frame) {
    if (frame.length !== 1 || !startsWith(frame, SIO_PING)) return false;
    ws.send('3');
    return true;
  },
};

/** The dialect of each server. */
export const DIALECTS: Record<DialectName, Dialect> = { parley, 'bare-ws': bareWs, 'socket.io': socketIo };

const MARK = 0x40; // '@'

/** The message text: a send stamp (µs on the shared clock) between `@@` marks, padded to `length` characters. */
export function stampedText(stampMicros: number, length: number): string {
  const head = `@@${Math.round(stampMicros)}@@ `;
  return head + FILLER.slice(0, Math.max(0, length - head.length));
}

const FILLER = 'the quick brown fox jumps over the lazy dog while the bench counts every frame it delivers '.repeat(20);

/** Reads the send stamp out of a frame; NaN when there is none. */
export function readStamp(frame: Buffer): number {
  let i = frame.indexOf(MARK);
  while (i >= 0 && frame[i + 1] !== MARK) i = frame.indexOf(MARK, i + 1);
  if (i < 0) return Number.NaN;
  let value = 0;
  let digits = 0;
  for (let j = i + 2; j < frame.length; j++) {
    const c = frame[j] - 0x30;
    if (c < 0 || c > 9) break;
    value = value * 10 + c;
    digits++;
  }
  return digits > 0 ? value : Number.NaN;
}
