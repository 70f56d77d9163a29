/** Options of calls (`createServer({ calls })`) and their defaults. */
import { availableParallelism } from 'node:os';
import type { CallIceServer } from '@parley/sdk/protocol';

/** How the server runs calls. */
export interface CallOptions {
  /** Calls on or off. Off, `call.join` answers `call_unavailable`. Default true. */
  enabled: boolean;
  /** mediasoup workers (processes), each on its own core. Default: one per core. Started on the first join. */
  workers: number;
  /**
   * The local address WebRTC transports listen on. Default `127.0.0.1`, which
   * only this machine can reach (development, tests); a server for others
   * listens on `0.0.0.0` (or a LAN address) and sets `announcedAddress`.
   */
  listenIp: string;
  /**
   * The public IP or host name put in ICE candidates, for a server behind NAT
   * or listening on `0.0.0.0`. Default: none (the listen address is announced).
   */
  announcedAddress: string | null;
  /** UDP/TCP ports for media, inclusive. Default: mediasoup's (10000–59999). */
  rtcMinPort: number | null;
  rtcMaxPort: number | null;
  /** Also offer ICE over TCP (for clients whose UDP is blocked). Default true. */
  enableTcp: boolean;
  /** STUN/TURN servers handed to clients in `call.join`. Default none. */
  iceServers: CallIceServer[];
  /** Bitrate a new transport may start sending at (bits/s). Default 1 000 000. */
  initialOutgoingBitrate: number;
  /** Active speaker: the level (dBov, -127…0) above which someone counts as speaking. Default -60. */
  speakingThresholdDb: number;
  /** Active speaker: how often levels are evaluated (ms). Default 800. */
  speakerIntervalMs: number;
  /**
   * Several nodes (Redis): how long a request forwarded to the node hosting
   * the call may wait for its answer before failing with `call_unavailable`
   * (ms). Default 10 000.
   */
  forwardTimeoutMs: number;
  /**
   * Several nodes (Redis): how long a node's claim on a call, and the
   * heartbeat of a node forwarding participants to it, live without a
   * refresh (ms); both are refreshed every third of it. A dead node's calls
   * move, and its forwarded participants are dropped, within about this long.
   * Default 6 000.
   */
  ownerTtlMs: number;
}

/** The defaults of {@link CallOptions}. */
export function defaultCallOptions(): CallOptions {
  return {
    enabled: true,
    workers: Math.max(1, availableParallelism()),
    listenIp: '127.0.0.1',
    announcedAddress: null,
    rtcMinPort: null,
    rtcMaxPort: null,
    enableTcp: true,
    iceServers: [],
    initialOutgoingBitrate: 1_000_000,
    speakingThresholdDb: -60,
    speakerIntervalMs: 800,
    forwardTimeoutMs: 10_000,
    ownerTtlMs: 6_000,
  };
}

/** Applies defaults; returns an error message for options that cannot work. */
export function resolveCallOptions(options: Partial<CallOptions> = {}): CallOptions | string {
  const resolved: CallOptions = { ...defaultCallOptions(), ...options };
  if (!Number.isInteger(resolved.workers) || resolved.workers < 1) return 'calls.workers must be a whole number of at least 1';
  if (!Number.isInteger(resolved.forwardTimeoutMs) || resolved.forwardTimeoutMs < 100) return 'calls.forwardTimeoutMs must be a whole number of at least 100';
  if (!Number.isInteger(resolved.ownerTtlMs) || resolved.ownerTtlMs < 300) return 'calls.ownerTtlMs must be a whole number of at least 300';
  const { rtcMinPort: min, rtcMaxPort: max } = resolved;
  if ((min === null) !== (max === null)) return 'calls.rtcMinPort and calls.rtcMaxPort go together';
  if (min !== null && max !== null && !(Number.isInteger(min) && Number.isInteger(max) && min >= 1024 && max <= 65535 && min <= max)) {
    return 'calls.rtcMinPort..rtcMaxPort must be a port range within 1024–65535';
  }
  return resolved;
}
