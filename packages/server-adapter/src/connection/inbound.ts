/** What is known of an inbound chat frame before it is parsed. */
import type { RawData } from 'ws';
import type { ErrorFrame } from '@parley/sdk/protocol';

/** A queued inbound item: a frame to process, or an answer decided on arrival. */
export type Inbound = { raw: string; receivedAt: number } | { reject: Omit<ErrorFrame, 'type' | 'retryable'> };

/** How far into an oversized frame we look for its request id. */
const ID_SNIFF_BYTES = 256;

/** The message's bytes as one buffer. */
export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Reads a request id near the start of a frame we will not parse (clients put it second). */
export function sniffId(bytes: Buffer): number | undefined {
  const head = bytes.subarray(0, ID_SNIFF_BYTES).toString('latin1');
  const match = /"id"\s*:\s*(\d{1,15})\b/.exec(head);
  return match ? Number(match[1]) : undefined;
}
