/** Prometheus metrics with a registry per server, so several servers in one process never collide. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CloseCode } from '@parley/sdk/protocol';

/** Close codes with a series of their own; a peer may close with any code, so the rest share one. */
const KNOWN_CLOSE_CODES: ReadonlySet<number> = new Set<number>([...Object.values(CloseCode), 1005, 1006]);

/** The `code` label of a close: the code itself when known, else `other` (labels stay bounded). */
export function closeCodeLabel(code: number): string {
  return KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other';
}

/** The server's instruments; `text()` renders them for `GET /metrics`. */
export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: 'parley_connections',
    help: 'Open WebSocket connections',
    registers: [this.registry],
  });
  readonly framesIn = new Counter({
    name: 'parley_frames_in_total',
    help: 'Frames received, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly framesOut = new Counter({
    name: 'parley_frames_out_total',
    help: 'Frames written to sockets, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'parley_errors_total',
    help: 'Error frames sent, by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly closes = new Counter({
    name: 'parley_closes_total',
    help: 'Connections closed, by close code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'parley_message_commit_seconds',
    help: 'Time from a message.send frame to its durable commit',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly slowConsumers = new Counter({
    name: 'parley_slow_consumers_total',
    help: 'Connections closed because their outbound buffer overflowed',
    registers: [this.registry],
  });
  readonly queuedCapCloses = new Counter({
    name: 'parley_queued_cap_closes_total',
    help: 'Connections closed as slow consumers because the node held more queued outbound bytes than maxQueuedBytes',
    registers: [this.registry],
  });
  readonly queuedBytes: Gauge = new Gauge({
    name: 'parley_queued_bytes',
    help: 'Outbound bytes queued for all sockets of this node (read at scrape time)',
    registers: [this.registry],
    collect: (): void => this.queuedBytes.set(this.#measureQueued()),
  });
  #measureQueued: () => number = () => 0;
  readonly shed = new Counter({
    name: 'parley_connections_shed_total',
    help: 'Sockets refused with 4013 because the node was at its connection limit',
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'parley_rate_limited_total',
    help: 'Frames rejected by a rate limit, by bucket',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'parley_webhook_deliveries_total',
    help: 'Webhook delivery attempts by this node, by result: ok (2xx), retry (failed, rescheduled), dead (given up)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly webhookQueueDepth: Gauge = new Gauge({
    name: 'parley_webhook_queue_depth',
    help: 'Webhook deliveries waiting in storage, all nodes together (read at scrape time; the last reading while storage does not answer)',
    registers: [this.registry],
    collect: async (): Promise<void> => {
      // /metrics must answer while the database is away: a reading that fails or is slow keeps the last one.
      const depth = await boundedReading(this.#measureWebhookQueue(), WEBHOOK_QUEUE_READ_MS);
      if (depth !== null) this.webhookQueueDepth.set(depth);
    },
  });
  #measureWebhookQueue: () => Promise<number> = () => Promise.resolve(0);

  /** Adds Node's process metrics (CPU, memory, event loop) under the `parley_` prefix. */
  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }

  /** Sets how {@link queuedBytes} is measured at each scrape. */
  measureQueuedWith(measure: () => number): void {
    this.#measureQueued = measure;
  }

  /** Sets how {@link webhookQueueDepth} is measured at each scrape. */
  measureWebhookQueueWith(measure: () => Promise<number>): void {
    this.#measureWebhookQueue = measure;
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/** How long a scrape waits for the webhook queue's depth before it keeps the last reading. */
const WEBHOOK_QUEUE_READ_MS = 1_000;

/** The reading, or null when it fails or takes longer than `ms`. */
async function boundedReading(reading: Promise<number>, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([reading.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}
