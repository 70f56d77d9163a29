/**
 * The webhook outbox. Events are written by the database itself (triggers) in
 * the transaction of the change they describe, one delivery row per
 * configured endpoint; senders claim due rows under a lease so that several
 * nodes never send the same row at once.
 */

/** One delivery of one event to one endpoint, claimed for sending. */
export interface ClaimedWebhookDelivery {
  /** The event's id (`evt_…`), the same for every endpoint and every attempt. */
  id: string;
  type: string;
  createdAt: number;
  /** The event's `data`, as JSON text. */
  data: string;
  url: string;
  /** Attempts made before this one. */
  attempts: number;
  /** Internal key of the event. */
  eventSeq: number;
}

/** What the store needs to know about the webhook configuration. */
export interface WebhookSettings {
  /** Endpoints every new event is delivered to; none stops the recording of events. */
  urls: readonly string[];
  /** How long after a direct message or mention `message.unread` is considered. */
  unreadDelayMs: number;
}

/** The webhook outbox. */
export interface WebhookStore {
  /** Replaces the endpoints and settings (every node configures the same). */
  configureWebhooks(settings: WebhookSettings): Promise<void>;
  /**
   * Turns unread checks due at `now` into `message.unread` events (one per
   * member who has not read the message), at most `limit` checks.
   */
  promoteUnreadChecks(now: number, limit: number): Promise<number>;
  /** Claims up to `limit` due deliveries until `now + leaseMs`, oldest event first. */
  claimWebhookDeliveries(now: number, leaseMs: number, limit: number): Promise<ClaimedWebhookDelivery[]>;
  /** Forgets a delivered row (and its event once no endpoint waits for it). */
  completeWebhookDelivery(eventSeq: number, url: string): Promise<void>;
  /** Schedules another attempt at `nextAttemptAt`. */
  retryWebhookDelivery(eventSeq: number, url: string, attempts: number, nextAttemptAt: number): Promise<void>;
  /** Gives up on a row; it is kept until pruned so an operator can inspect it. */
  killWebhookDelivery(eventSeq: number, url: string, now: number): Promise<void>;
  /** Deletes dead rows older than `before`, at most `limit`. */
  pruneDeadWebhookDeliveries(before: number, limit: number): Promise<number>;
  /** Deliveries still to be made (not dead). */
  webhookQueueDepth(): Promise<number>;
}
