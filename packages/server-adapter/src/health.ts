/**
 * What `/healthz` reports: whether this node can hear its peers (the bus)
 * and reach its database (storage). Both are read from state kept up to date
 * in the background, so answering `/healthz` never waits on either.
 */
import type { Bus, HealthCheck } from './bus/bus.js';
import type { StorageLifecycle } from './storage/storage.js';

export type { HealthCheck };

/** The body of `/healthz` (200 when `ok`, 503 when `degraded`). */
export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: { bus: HealthCheck; storage: HealthCheck };
}

const OK: HealthCheck = Object.freeze({ status: 'ok' });

/**
 * Probes storage on a timer (one probe at a time) and keeps the outcome;
 * asks the bus for its own cached state. A probe still unanswered after twice
 * the interval reports `stalled`.
 */
export class HealthMonitor {
  readonly #bus: Bus;
  readonly #storage: StorageLifecycle;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;
  /** When the probe in flight started, or null. */
  #probingSince: number | null = null;
  #storageCheck: HealthCheck = OK;

  /** Reports on `bus` and `storage`; storage is probed every `intervalMs` once started. */
  constructor(bus: Bus, storage: StorageLifecycle, intervalMs: number) {
    this.#bus = bus;
    this.#storage = storage;
    this.#intervalMs = intervalMs;
  }

  /** Starts probing (storage without a `ping` is reported ok). */
  start(): void {
    if (this.#timer || !this.#storage.ping) return;
    this.#timer = setInterval(() => this.#probe(), this.#intervalMs);
    this.#timer.unref();
    this.#probe();
  }

  /** Stops probing. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** The current state; cheap, never waits. */
  report(now = Date.now()): HealthReport {
    const bus = this.#bus.health?.() ?? OK;
    const storage = this.#storageNow(now);
    const status = bus.status === 'ok' && storage.status === 'ok' ? 'ok' : 'degraded';
    return { status, checks: { bus, storage } };
  }

  #storageNow(now: number): HealthCheck {
    const since = this.#probingSince;
    if (since !== null && now - since > 2 * this.#intervalMs) {
      return { status: 'stalled', reason: `the database has not answered a probe for ${now - since} ms`, since };
    }
    return this.#storageCheck;
  }

  #probe(): void {
    if (!this.#storage.ping || this.#probingSince !== null) return;
    const started = Date.now();
    this.#probingSince = started;
    this.#storage.ping().then(
      () => {
        this.#probingSince = null;
        this.#storageCheck = OK;
      },
      (error: unknown) => {
        this.#probingSince = null;
        const reason = `the database cannot be reached: ${error instanceof Error ? error.message : String(error)}`;
        const since = this.#storageCheck.status === 'ok' ? started : (this.#storageCheck.since ?? started);
        this.#storageCheck = { status: 'down', reason, since };
      },
    );
  }
}
