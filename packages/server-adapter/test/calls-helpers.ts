/**
 * Helpers for call tests: a server with one media worker, its `/metrics`
 * call gauges, and a participant driven over the raw protocol with
 * hand-made RTP parameters (no browser needed to exercise signalling and
 * cleanup; the browser test sends real media).
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { CallSource, MediaParameters, RequestResult } from '@parley/sdk/protocol';
import type { ServerOptions } from '../src/index.js';
import { locateWorkerBinary } from '../src/calls/worker-binary.js';
import { metricsText, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

/**
 * True when a worker binary exists. Without one: fails in CI (which builds
 * it), otherwise skips the test with the reason.
 */
export function requireWorker(t: TestContext): boolean {
  const found = locateWorkerBinary();
  if (found.path !== null) return true;
  const message = `no mediasoup worker: ${found.reason}`;
  if (process.env.CI === 'true') assert.fail(`${message} (CI must build it)`);
  t.skip(message);
  return false;
}

/** A server with calls on one worker, on 127.0.0.1. */
export function startCallServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  return startServer({ ...options, calls: { workers: 1, ...options.calls } });
}

/** The call gauges of `/metrics`, by name without the `parley_` prefix. */
export async function callGauges(server: TestServer): Promise<Record<string, number>> {
  const text = await metricsText(`${server.url}`);
  const out: Record<string, number> = {};
  for (const match of text.matchAll(/^parley_(calls?_[a-z_]+) (\d+(?:\.\d+)?)$/gm)) out[match[1]] = Number(match[2]);
  return out;
}

/** Polls `check` until it holds (at most `tries` × 50 ms); fails with `what`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${what}: not within ${tries * 50} ms`);
}

/** DTLS parameters a client would send (the handshake never happens in these tests). */
export const CLIENT_DTLS: MediaParameters = {
  role: 'client',
  fingerprints: [{ algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') }],
};

/** RTP parameters of an Opus or VP8 sender, as a browser would describe them. */
export function rtpParameters(kind: 'audio' | 'video', ssrc: number): MediaParameters {
  const codec =
    kind === 'audio'
      ? { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: {}, rtcpFeedback: [] }
      : { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {}, rtcpFeedback: [] };
  return { mid: String(ssrc), codecs: [codec], headerExtensions: [], encodings: [{ ssrc }], rtcp: { cname: `c${ssrc}` } };
}

/** A participant joined over the raw protocol, with its transports. */
export interface JoinedParticipant {
  client: TestClient;
  room: string;
  join: RequestResult<'call.join'>;
  send: string | null;
  recv: string;
  /** Starts sending one source; resolves with the producer id. */
  produce(source: CallSource, paused?: boolean): Promise<string>;
  /** Consumes a producer with the router's own capabilities; resolves with the consumer id. */
  consume(producerId: string): Promise<string>;
}

let nextSsrc = 1000;

/** Joins `room`'s call and creates the recv (and, when allowed, send) transport, connected. */
export async function joinCall(client: TestClient, room: string): Promise<JoinedParticipant> {
  const join = await client.request('call.join', { room });
  const recv = (await client.request('call.transport.create', { room, direction: 'recv' })).id;
  await client.request('call.transport.connect', { room, transportId: recv, dtlsParameters: CLIENT_DTLS });
  let send: string | null = null;
  if (join.canProduce) {
    send = (await client.request('call.transport.create', { room, direction: 'send' })).id;
    await client.request('call.transport.connect', { room, transportId: send, dtlsParameters: CLIENT_DTLS });
  }
  return {
    client,
    room,
    join,
    send,
    recv,
    async produce(source, paused) {
      if (!send) throw new Error('no send transport');
      const kind = source === 'mic' ? 'audio' : 'video';
      const args = { room, transportId: send, kind, source, rtpParameters: rtpParameters(kind, nextSsrc++) } as const;
      return (await client.request('call.produce', paused === undefined ? args : { ...args, paused })).producerId;
    },
    async consume(producerId) {
      const consumer = await client.request('call.consume', {
        room,
        transportId: recv,
        producerId,
        rtpCapabilities: join.routerRtpCapabilities,
      });
      await client.request('call.consumer.resume', { room, consumerId: consumer.id });
      return consumer.id;
    },
  };
}
