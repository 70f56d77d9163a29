/**
 * The webhook outbox on PostgreSQL. Several nodes claim from the same table:
 * `FOR UPDATE SKIP LOCKED` keeps two claims from taking the same row, and the
 * lease (`claimed_until`) keeps others off it until it is settled or expires.
 */
import type { ClaimedWebhookDelivery, WebhookSettings, WebhookStore } from '../storage.js';
import type { PostgresDatabase } from './database.js';

interface ClaimRow {
  event_seq: string;
  url: string;
  attempts: number;
  id: string;
  type: string;
  created_at: string;
  data: string;
}

/** `WebhookStore` on PostgreSQL. */
export class PostgresWebhooks implements WebhookStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async configureWebhooks(settings: WebhookSettings): Promise<void> {
    // Nodes starting together configure at once: neither may trip over the other's rows.
    await this.#db.write(async (c) => {
      await c.query('DELETE FROM webhook_endpoints WHERE url <> ALL($1::text[])', [[...settings.urls]]);
      if (settings.urls.length > 0) {
        await c.query('INSERT INTO webhook_endpoints (url) SELECT DISTINCT unnest($1::text[]) ON CONFLICT (url) DO NOTHING', [[...settings.urls]]);
        await c.query(
          `INSERT INTO webhook_settings (id, unread_delay_ms) VALUES (1, $1)
           ON CONFLICT (id) DO UPDATE SET unread_delay_ms = excluded.unread_delay_ms`,
          [settings.unreadDelayMs],
        );
      } else {
        await c.query('DELETE FROM webhook_settings');
      }
    });
  }

  async promoteUnreadChecks(now: number, limit: number): Promise<number> {
    return this.#db.write(async (c) => {
      const due = await c.query<{ message_id: string }>(
        `DELETE FROM webhook_unread_checks WHERE message_id IN (
           SELECT message_id FROM webhook_unread_checks WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING message_id`,
        [now, limit],
      );
      if (due.rows.length === 0) return 0;
      await c.query(
        `INSERT INTO webhook_events (id, type, created_at, data)
         SELECT 'evt_' || replace(gen_random_uuid()::text, '-', ''), 'message.unread', $1,
           jsonb_build_object('user', mb.user_id, 'room', m.room_id,
             'reason', CASE WHEN r.kind = 'direct' THEN 'direct' ELSE 'mention' END,
             'message', jsonb_build_object('id', m.id, 'seq', m.seq, 'sender', m.sender, 'text', m.text, 'createdAt', m.created_at))::text
         FROM messages m
           JOIN rooms r ON r.id = m.room_id
           JOIN members mb ON mb.room_id = m.room_id
         WHERE m.id = ANY($2::text[]) AND m.deleted_at IS NULL AND mb.user_id <> m.sender AND mb.read_seq < m.seq
           AND (r.kind = 'direct' OR coalesce(m.mentions, '[]')::jsonb ? mb.user_id)`,
        [now, due.rows.map((row) => row.message_id)],
      );
      return due.rows.length;
    });
  }

  async claimWebhookDeliveries(now: number, leaseMs: number, limit: number): Promise<ClaimedWebhookDelivery[]> {
    const { rows } = await this.#db.write((c) =>
      c.query<ClaimRow>(
        `UPDATE webhook_deliveries d SET claimed_until = $2
         FROM webhook_events e
         WHERE e.seq = d.event_seq AND (d.event_seq, d.url) IN (
           SELECT event_seq, url FROM webhook_deliveries
           WHERE dead_at IS NULL AND next_attempt_at <= $1 AND claimed_until <= $1
           ORDER BY event_seq LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING d.event_seq, d.url, d.attempts, e.id, e.type, e.created_at, e.data`,
        [now, now + leaseMs, limit],
      ),
    );
    return rows
      .map((row) => ({
        id: row.id,
        type: row.type,
        createdAt: Number(row.created_at),
        data: row.data,
        url: row.url,
        attempts: row.attempts,
        eventSeq: Number(row.event_seq),
      }))
      .sort((a, b) => a.eventSeq - b.eventSeq);
  }

  async completeWebhookDelivery(eventSeq: number, url: string): Promise<void> {
    await this.#db.write(async (c) => {
      await c.query('DELETE FROM webhook_deliveries WHERE event_seq = $1 AND url = $2', [eventSeq, url]);
      await c.query(
        `DELETE FROM webhook_events e WHERE e.seq = $1
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = e.seq)`,
        [eventSeq],
      );
    });
  }

  async retryWebhookDelivery(eventSeq: number, url: string, attempts: number, nextAttemptAt: number): Promise<void> {
    await this.#db.write((c) =>
      c.query('UPDATE webhook_deliveries SET attempts = $1, next_attempt_at = $2, claimed_until = 0 WHERE event_seq = $3 AND url = $4', [
        attempts,
        nextAttemptAt,
        eventSeq,
        url,
      ]),
    );
  }

  async killWebhookDelivery(eventSeq: number, url: string, now: number): Promise<void> {
    await this.#db.write((c) =>
      c.query('UPDATE webhook_deliveries SET dead_at = $1, claimed_until = 0 WHERE event_seq = $2 AND url = $3', [now, eventSeq, url]),
    );
  }

  async pruneDeadWebhookDeliveries(before: number, limit: number): Promise<number> {
    return this.#db.write(async (c) => {
      const { rows } = await c.query<{ event_seq: string }>(
        `DELETE FROM webhook_deliveries WHERE (event_seq, url) IN (
           SELECT event_seq, url FROM webhook_deliveries WHERE dead_at IS NOT NULL AND dead_at < $1 LIMIT $2)
         RETURNING event_seq`,
        [before, limit],
      );
      if (rows.length === 0) return 0;
      await c.query(
        `DELETE FROM webhook_events e WHERE e.seq = ANY($1::bigint[])
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = e.seq)`,
        [rows.map((row) => row.event_seq)],
      );
      return rows.length;
    });
  }

  async webhookQueueDepth(): Promise<number> {
    const { rows } = await this.#db.reader().query<{ n: string }>('SELECT count(*) AS n FROM webhook_deliveries WHERE dead_at IS NULL');
    return Number(rows[0]?.n ?? 0);
  }
}
