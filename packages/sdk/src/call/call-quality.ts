/**
 * Connection quality from WebRTC statistics: packet loss and round-trip time
 * between two samples a few seconds apart. Pure functions over the counters,
 * so the thresholds are tested without a browser.
 */
import type { CallQuality } from './call-types.js';

/** Loss above this fraction, or a round trip above this many ms, is `poor`. */
export const POOR_LOSS = 0.05;
export const POOR_RTT_MS = 400;

/** Receive counters of one participant's media at one moment. */
export interface ReceiveSample {
  packetsReceived: number;
  packetsLost: number;
  /** Seconds, from the transport's selected candidate pair; null when unknown. */
  roundTripTime: number | null;
}

/** Send-side view of our own media from the server's receiver reports. */
export interface SendSample {
  /** Fraction lost in the last report (0–1); null when no report yet. */
  fractionLost: number | null;
  /** Seconds; null when unknown. */
  roundTripTime: number | null;
}

/**
 * Quality of media received from one participant between two samples.
 * `expectingMedia` is false when all their producers are paused (silence is
 * not a lost connection then).
 */
export function receiveQuality(previous: ReceiveSample | null, current: ReceiveSample, expectingMedia: boolean): CallQuality {
  const received = current.packetsReceived - (previous?.packetsReceived ?? 0);
  const lost = Math.max(0, current.packetsLost - (previous?.packetsLost ?? 0));
  if (expectingMedia && previous !== null && received <= 0) return 'lost';
  const total = received + lost;
  if (total > 0 && lost / total > POOR_LOSS) return 'poor';
  if (current.roundTripTime !== null && current.roundTripTime * 1000 > POOR_RTT_MS) return 'poor';
  return 'good';
}

/** Quality of our own sending, from what the server reports back. */
export function sendQuality(sample: SendSample, connected: boolean): CallQuality {
  if (!connected) return 'lost';
  if (sample.fractionLost !== null && sample.fractionLost > POOR_LOSS) return 'poor';
  if (sample.roundTripTime !== null && sample.roundTripTime * 1000 > POOR_RTT_MS) return 'poor';
  return 'good';
}

/** Sums the inbound-rtp counters of a stats report and reads the selected pair's round trip. */
export function receiveSample(report: RTCStatsReport): ReceiveSample {
  let packetsReceived = 0;
  let packetsLost = 0;
  let roundTripTime: number | null = null;
  report.forEach((stat: { type: string; [key: string]: unknown }) => {
    if (stat.type === 'inbound-rtp') {
      packetsReceived += numberOr(stat.packetsReceived, 0);
      packetsLost += numberOr(stat.packetsLost, 0);
    } else if (stat.type === 'candidate-pair' && stat.nominated === true && typeof stat.currentRoundTripTime === 'number') {
      roundTripTime = stat.currentRoundTripTime;
    }
  });
  return { packetsReceived, packetsLost, roundTripTime };
}

/** Reads the server's receiver reports (remote-inbound-rtp) from a send transport's stats. */
export function sendSample(report: RTCStatsReport): SendSample {
  let fractionLost: number | null = null;
  let roundTripTime: number | null = null;
  report.forEach((stat: { type: string; [key: string]: unknown }) => {
    if (stat.type === 'remote-inbound-rtp') {
      if (typeof stat.fractionLost === 'number') fractionLost = Math.max(fractionLost ?? 0, stat.fractionLost);
      if (typeof stat.roundTripTime === 'number') roundTripTime = Math.max(roundTripTime ?? 0, stat.roundTripTime);
    }
  });
  return { fractionLost, roundTripTime };
}

/** A named counter of the first stat of `type` in a report (0 when absent). */
export function statCounter(report: RTCStatsReport, type: string, field: string): number {
  let value = 0;
  report.forEach((stat: { type: string; [key: string]: unknown }) => {
    if (stat.type === type) value += numberOr(stat[field], 0);
  });
  return value;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
