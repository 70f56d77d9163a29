/**
 * How long a durable write takes on the disk our server's data lives on:
 * our server acknowledges (and fans out) a message only after an fsync, so
 * this bounds its send → deliver latency from below.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nowMicros } from './clock.js';
import { createHistogram, recordMicros, summarize } from './histogram.js';
import type { LatencySummary } from './histogram.js';

/** Times `rounds` 4 KiB appends each followed by fdatasync, in the temp directory. */
export function probeFsync(rounds = 100): LatencySummary | null {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-fsync-'));
  const histogram = createHistogram();
  const block = Buffer.alloc(4096, 1);
  const fd = openSync(join(dir, 'probe'), 'w');
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = nowMicros();
      writeSync(fd, block);
      fdatasyncSync(fd);
      recordMicros(histogram, nowMicros() - t0);
    }
    return summarize(histogram);
  } finally {
    closeSync(fd);
    histogram.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
