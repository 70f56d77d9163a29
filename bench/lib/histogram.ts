/**
 * Latency histograms (HdrHistogram): load generators record microseconds and
 * ship them to the harness as compressed base64, which merges them.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

export type { Histogram };

/** Highest latency tracked: one minute, in microseconds. Larger values are clamped. */
const MAX_MICROS = 60_000_000;

/** A histogram of microsecond latencies with three significant digits. */
export function createHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_MICROS, numberOfSignificantValueDigits: 3, autoResize: false });
}

/** Records one latency in microseconds (clamped to the tracked range). */
export function recordMicros(histogram: Histogram, micros: number): void {
  histogram.recordValue(Math.min(MAX_MICROS, Math.max(1, Math.round(micros))));
}

/** The wire form of a histogram, for IPC. */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** Merges encoded histograms into one. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const total = createHistogram();
  for (const text of encoded) {
    const part = decodeFromCompressedBase64(text);
    total.add(part);
    part.destroy();
  }
  return total;
}

/** Percentiles in milliseconds; null when nothing was recorded. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** p50/p95/p99/max of a microsecond histogram, in milliseconds. */
export function summarize(histogram: Histogram): LatencySummary | null {
  if (histogram.totalCount === 0) return null;
  const ms = (p: number): number => histogram.getValueAtPercentile(p) / 1000;
  return { count: histogram.totalCount, p50: ms(50), p95: ms(95), p99: ms(99), max: histogram.maxValue / 1000 };
}
