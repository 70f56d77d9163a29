/**
 * A broadcast encoded once: its UTF-8 bytes and its complete WebSocket
 * frame, shared by every socket it is written to.
 */
import { textFrame } from './framed-send.js';

/** A broadcast encoded once for every local socket. */
export interface EncodedFrame {
  /** The frame's UTF-8 bytes, shared by every socket it is written to: never modify them. */
  readonly bytes: Buffer;
  /** The same bytes as a complete WebSocket text frame (header included), also shared. */
  readonly framed: Buffer;
  /** The frame's `type`, for metrics. */
  readonly type: string;
  /** Sockets it was written to so far: the metric is counted once per broadcast, not per socket. */
  written: number;
}

/** The `type` of an encoded server frame (they all start with it), for metrics. */
export function frameType(text: string): string {
  const prefix = '{"type":"';
  if (!text.startsWith(prefix)) return 'unknown';
  const end = text.indexOf('"', prefix.length);
  return end > 0 ? text.slice(prefix.length, end) : 'unknown';
}

/** Encodes `text` once, for writing to any number of sockets. */
export function encodeFrame(text: string): EncodedFrame {
  const bytes = Buffer.from(text, 'utf8');
  return { bytes, framed: textFrame(bytes), type: frameType(text), written: 0 };
}

