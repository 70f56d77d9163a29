/**
 * A group of chat load-generator children sharing the sockets of a scenario
 * round-robin. The harness talks to the group; the group talks to each child
 * over IPC and merges what they report.
 */
import { startChild, type Child } from './children.js';
import { sleep } from './clock.js';
import { mergeHistograms, type Histogram } from './histogram.js';
import type { DialectName, SocketSpec } from '../load/dialects.js';

/** Counters summed over the group. */
export interface LoadCounts {
  delivered: number;
  acks: number;
  errors: number;
  closed: number;
  sent: number;
}

/** Counters plus merged latency histograms (microseconds). */
export interface LoadReport extends LoadCounts {
  latency: Histogram;
  ackLatency: Histogram;
  firstError: string | null;
}

/** The result of connecting every socket. */
export interface ConnectResult {
  connected: number;
  failed: number;
  /** Wall time from the first connect to the last handshake, over all children. */
  ms: number;
  error: string | null;
}

/** Chat load generators. */
export class LoadGroup {
  readonly #children: Child[];

  private constructor(children: Child[]) {
    this.#children = children;
  }

  /** Starts `size` generator processes, each allowed `fdLimit` descriptors when set. */
  static async start(size: number, fdLimit?: number): Promise<LoadGroup> {
    const children = await Promise.all(
      Array.from({ length: size }, (_, i) => startChild('load/chat-load.ts', { name: `load-${i}`, fdLimit })),
    );
    return new LoadGroup(children);
  }

  /** Opens every socket (spec i goes to child i mod size) and runs its handshake. */
  async connect(dialect: DialectName, port: number, specs: SocketSpec[], concurrency = 100, handshakeTimeoutMs = 30_000): Promise<ConnectResult> {
    const parts = this.#children.map(() => [] as Array<SocketSpec & { index: number }>);
    specs.forEach((spec, index) => parts[index % parts.length].push({ ...spec, index }));
    const started = Date.now();
    const perChild = Math.max(1, Math.floor(concurrency / this.#children.length));
    const results = await Promise.all(
      this.#children.map((child, i) =>
        child.call<ConnectResult>('connect', { dialect, port, sockets: parts[i], concurrency: perChild, handshakeTimeoutMs }, 1_800_000),
      ),
    );
    return {
      connected: results.reduce((sum, r) => sum + r.connected, 0),
      failed: results.reduce((sum, r) => sum + r.failed, 0),
      ms: Date.now() - started,
      error: results.find((r) => r.error)?.error ?? null,
    };
  }

  /** Sockets 0…publishers-1 send `ratePerPublisher` messages/s for `durationMs`; resolves with the number sent. */
  async publish(publishers: number, ratePerPublisher: number, durationMs: number, textLength = 100): Promise<number> {
    const results = await Promise.all(
      this.#children.map((child) =>
        child.call<{ sent: number }>('publish', { publishers, ratePerPublisher, durationMs, textLength }, durationMs + 60_000),
      ),
    );
    return results.reduce((sum, r) => sum + r.sent, 0);
  }

  async counts(): Promise<LoadCounts> {
    const all = await Promise.all(this.#children.map((child) => child.call<LoadCounts>('counts', {}, 30_000)));
    return sum(all);
  }

  /** CPU time of every generator process together, microseconds since they started. */
  async cpuMicros(): Promise<number> {
    const stats = await Promise.all(this.#children.map((child) => child.stats()));
    return stats.reduce((total, s) => total + s.cpuMicros, 0);
  }

  async reset(): Promise<void> {
    await Promise.all(this.#children.map((child) => child.call('reset')));
  }

  /**
   * Waits until `expected` deliveries arrived, or nothing new arrived for
   * `quietMs`, at most `maxMs`.
   */
  async drain(expected: number, quietMs: number, maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    let last = -1;
    let lastChange = Date.now();
    while (Date.now() < deadline) {
      const { delivered } = await this.counts();
      if (delivered >= expected) return;
      if (delivered !== last) {
        last = delivered;
        lastChange = Date.now();
      } else if (Date.now() - lastChange >= quietMs) {
        return;
      }
      await sleep(100);
    }
  }

  async report(): Promise<LoadReport> {
    const parts = await Promise.all(
      this.#children.map((child) =>
        child.call<LoadCounts & { latency: string; ackLatency: string; firstError: string | null }>('report', {}, 60_000),
      ),
    );
    return {
      ...sum(parts),
      latency: mergeHistograms(parts.map((p) => p.latency)),
      ackLatency: mergeHistograms(parts.map((p) => p.ackLatency)),
      firstError: parts.find((p) => p.firstError)?.firstError ?? null,
    };
  }

  /** Closes every socket and stops the children. */
  async stop(): Promise<void> {
    await Promise.all(this.#children.map((child) => child.call('close').catch(() => undefined)));
    await Promise.all(this.#children.map((child) => child.stop()));
  }
}

function sum(parts: LoadCounts[]): LoadCounts {
  const total: LoadCounts = { delivered: 0, acks: 0, errors: 0, closed: 0, sent: 0 };
  for (const p of parts) {
    total.delivered += p.delivered;
    total.acks += p.acks;
    total.errors += p.errors;
    total.closed += p.closed;
    total.sent += p.sent;
  }
  return total;
}
