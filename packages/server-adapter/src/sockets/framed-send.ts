/**
 * Writing one ready-made WebSocket frame to many sockets. A broadcast's
 * frame (header and UTF-8 payload in one buffer) is built once; each socket
 * then costs a single `write` of the same bytes, instead of `ws` building a
 * header, option objects and a corked two-part write per socket. Relies on
 * `ws`'s `Sender#sendFrame` (as socket.io's pre-encoded frames do); where
 * that is missing or busy, it falls back to `ws.send`.
 */
import type { WebSocket } from 'ws';

/** Options of `ws.send` for our frames: always text, also when handed over as bytes. */
export const SEND_TEXT = { binary: false } as const;

/** The parts of `ws`'s internal frame writer used here. */
interface SenderInternals {
  /** 0 (DEFAULT) when nothing is queued behind compression or a blob read. */
  _state?: number;
  sendFrame?(list: Buffer[], cb?: (error?: Error) => void): void;
}

/** Opcode of a final text frame (FIN bit set). */
const FIN_TEXT = 0x81;

/** A server-to-client (unmasked) text frame carrying `payload`: header and payload in one buffer. */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = FIN_TEXT;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}

/** The socket's frame writer when a ready frame can be written to it directly (no send queued inside `ws`). */
function directWriter(ws: WebSocket): SenderInternals | null {
  const sender = (ws as unknown as { _sender?: SenderInternals })._sender;
  return sender && sender._state === 0 && typeof sender.sendFrame === 'function' ? sender : null;
}

/** Whether `ws` takes ready frames directly (false means every broadcast goes through `ws.send`). */
export function takesReadyFrames(ws: WebSocket): boolean {
  return directWriter(ws) !== null;
}

/**
 * Writes a broadcast to an open socket: `frame` (from `textFrame(payload)`)
 * as is when `ws` allows, else `payload` through `ws.send`. The buffers are
 * shared by every socket and never modified.
 */
export function sendFramed(ws: WebSocket, payload: Buffer, frame: Buffer): void {
  const writer = directWriter(ws);
  if (writer) writer.sendFrame?.([frame]);
  else ws.send(payload, SEND_TEXT);
}
