/**
 * Writing frames to a chat socket: an answer as text, a broadcast as the
 * bytes the hub encoded once for every socket, each counted in the metric
 * of frames out.
 */
import type { WebSocket } from 'ws';
import type { Metrics } from '../metrics.js';
import type { EncodedFrame } from '../sockets/encoded-frame.js';
import { SEND_TEXT, sendFramed } from '../sockets/framed-send.js';

/** An outbound frame held until `welcome` has gone out: its text or broadcast encoding, and its `type` (for metrics). */
export interface Held {
  data: string | EncodedFrame;
  type: string;
}

/**
 * Writes a frame's text, or a broadcast's ready frame (the same bytes for
 * every socket); false when the socket is not open. Bytes also make
 * `bufferedAmount` count bytes: for a string, Node counts UTF-16 code units,
 * fewer than the bytes of non-ASCII text.
 */
export function writeFrame(ws: WebSocket, data: string | EncodedFrame, type: string, framesOut: Metrics['framesOut']): boolean {
  if (ws.readyState !== ws.OPEN) return false;
  if (typeof data === 'string') {
    ws.send(data, SEND_TEXT);
    framesOut.inc({ type });
  } else {
    sendFramed(ws, data.bytes, data.framed);
    // One labelled increment per broadcast, once the hub has written it to every socket (same task).
    if (data.written++ === 0) queueMicrotask(() => framesOut.inc({ type: data.type }, data.written));
  }
  return true;
}
