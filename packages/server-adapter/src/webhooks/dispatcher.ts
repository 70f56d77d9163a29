/**
 * Sends the webhook outbox. Each node polls storage, claims due deliveries
 * under a lease (so no other node sends them meanwhile), POSTs them signed,
 * and settles each: delivered rows are deleted, failures are retried with
 * exponential backoff and full jitter until `maxAttempts` or `maxAgeMs`, then
 * marked dead and logged. A crash leaves claimed rows to be taken again when
 * their lease passes, so every event is delivered at least once.
 */
import type { Logger } from '../logger.js';
import type { ClaimedWebhookDelivery, WebhookStore } from '../storage/storage.js';
import { SIGNATURE_HEADER, signWebhookBody } from './signature.js';
import type { WebhookOptions } from './webhook-options.js';

/** How a delivery attempt ended, the label of the deliveries counter. */
export type WebhookResult = 'ok' | 'retry' | 'dead';

/** Unread checks turned into events per poll. */
const UNREAD_CHECKS_PER_POLL = 500;
/** Dead rows deleted per poll, and how often that runs. */
const PRUNE_BATCH = 500;
const PRUNE_EVERY_MS = 60_000;

/** What the dispatcher works with. */
export interface WebhookDispatcherDeps {
  storage: WebhookStore;
  options: WebhookOptions;
  logger: Logger;
  /** Counts each settled attempt. */
  count: (result: WebhookResult) => void;
}

/** The JSON body of a delivery: the event's fields in a fixed order, `data` as stored. */
export function webhookBody(delivery: Pick<ClaimedWebhookDelivery, 'id' | 'type' | 'createdAt' | 'data'>): string {
  return `{"id":${JSON.stringify(delivery.id)},"type":${JSON.stringify(delivery.type)},"createdAt":${delivery.createdAt},"data":${delivery.data}}`;
}

/** The wait before attempt `attempts + 1`: uniform in [0, min(max, base · 2^(attempts−1))]. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.floor(Math.random() * ceiling);
}

/** Polls, claims, sends and settles webhook deliveries. */
export class WebhookDispatcher {
  readonly #deps: WebhookDispatcherDeps;
  readonly #stopping = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  #tick: Promise<void> | null = null;
  #lastPrune = 0;

  /** Sends nothing before `start()`. */
  constructor(deps: WebhookDispatcherDeps) {
    this.#deps = deps;
  }

  /** Starts polling. */
  start(): void {
    if (this.#timer || this.#stopping.signal.aborted) return;
    this.#timer = setInterval(() => this.poll(), this.#deps.options.pollMs);
    this.#timer.unref();
    this.poll();
  }

  /** Runs one round now unless one is running. */
  poll(): void {
    if (this.#tick || this.#stopping.signal.aborted) return;
    this.#tick = this.#round()
      .catch((error: unknown) => this.#deps.logger.warn({ err: error }, 'webhook round failed; retrying at the next poll'))
      .finally(() => {
        this.#tick = null;
      });
  }

  /** Stops polling; attempts in flight are abandoned and rescheduled at once. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#stopping.abort();
    await this.#tick;
  }

  async #round(): Promise<void> {
    const { storage, options } = this.#deps;
    for (let rounds = 0; rounds < 16 && !this.#stopping.signal.aborted; rounds++) {
      const now = Date.now();
      await storage.promoteUnreadChecks(now, UNREAD_CHECKS_PER_POLL);
      const claimed = await storage.claimWebhookDeliveries(now, options.leaseMs, options.batchSize);
      await Promise.all(claimed.map((delivery) => this.#deliver(delivery)));
      if (claimed.length < options.batchSize) break; // caught up; a full batch means more may be due
    }
    const now = Date.now();
    if (now - this.#lastPrune >= PRUNE_EVERY_MS && !this.#stopping.signal.aborted) {
      this.#lastPrune = now;
      await storage.pruneDeadWebhookDeliveries(now - options.deadRetentionMs, PRUNE_BATCH);
    }
  }

  async #deliver(delivery: ClaimedWebhookDelivery): Promise<void> {
    const { storage, options, logger, count } = this.#deps;
    const body = webhookBody(delivery);
    let failure: string;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Parley-Webhooks/1',
          [SIGNATURE_HEADER]: signWebhookBody(options.secret ?? '', body, Math.floor(Date.now() / 1000)),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(options.timeoutMs), this.#stopping.signal]),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        await storage.completeWebhookDelivery(delivery.eventSeq, delivery.url);
        count('ok');
        return;
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      if (this.#stopping.signal.aborted) {
        // Shutting down: not the endpoint's fault, so the attempt does not count.
        await storage.retryWebhookDelivery(delivery.eventSeq, delivery.url, delivery.attempts, Date.now()).catch(() => undefined);
        return;
      }
      failure = error instanceof Error ? `${error.name}: ${(error.cause as Error | undefined)?.message ?? error.message}` : String(error);
    }
    const attempts = delivery.attempts + 1;
    const now = Date.now();
    if (attempts >= options.maxAttempts || now - delivery.createdAt >= options.maxAgeMs) {
      await storage.killWebhookDelivery(delivery.eventSeq, delivery.url, now);
      count('dead');
      logger.error({ event: delivery.id, type: delivery.type, url: delivery.url, attempts, failure }, 'webhook delivery dead; giving up');
      return;
    }
    await storage.retryWebhookDelivery(delivery.eventSeq, delivery.url, attempts, now + backoffMs(attempts, options.retryBaseMs, options.retryMaxMs));
    count('retry');
    logger.warn({ event: delivery.id, type: delivery.type, url: delivery.url, attempts, failure }, 'webhook delivery failed; will retry');
  }
}
