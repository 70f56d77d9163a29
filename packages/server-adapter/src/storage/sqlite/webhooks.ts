/** The webhook outbox on SQLite (one writer: a claim is a single UPDATE in the write queue). */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import type { ClaimedWebhookDelivery, WebhookSettings, WebhookStore } from '../storage.js';
import type { SqliteDatabase } from './database.js';
import { preparedStatements } from './prepared.js';

interface ClaimRow {
  event_seq: number;
  url: string;
  attempts: number;
  id: string;
  type: string;
  created_at: number;
  data: string;
}

const statements = preparedStatements(({ q, v }) => ({
  clearEndpoints: q<[], never>('DELETE FROM webhook_endpoints'),
  insertEndpoint: q<[url: string], never>('INSERT OR IGNORE INTO webhook_endpoints (url) VALUES (?)'),
  setSettings: q<[unreadDelayMs: number], never>(
    `INSERT INTO webhook_settings (id, unread_delay_ms) VALUES (1, ?)
     ON CONFLICT (id) DO UPDATE SET unread_delay_ms = excluded.unread_delay_ms`,
  ),
  clearSettings: q<[], never>('DELETE FROM webhook_settings'),
  unreadEvents: q<[{ now: number; limit: number }], never>(
    `INSERT INTO webhook_events (id, type, created_at, data)
     SELECT 'evt_' || lower(hex(randomblob(16))), 'message.unread', @now,
       json_object('user', mb.user_id, 'room', m.room_id, 'reason', CASE WHEN r.kind = 'direct' THEN 'direct' ELSE 'mention' END,
         'message', json_object('id', m.id, 'seq', m.seq, 'sender', m.sender, 'text', m.text, 'createdAt', m.created_at))
     FROM webhook_unread_checks c
       JOIN messages m ON m.id = c.message_id
       JOIN rooms r ON r.id = m.room_id
       JOIN members mb ON mb.room_id = m.room_id
     WHERE c.message_id IN (SELECT message_id FROM webhook_unread_checks WHERE due_at <= @now ORDER BY due_at LIMIT @limit)
       AND m.deleted_at IS NULL AND mb.user_id != m.sender AND mb.read_seq < m.seq
       AND (r.kind = 'direct' OR EXISTS (SELECT 1 FROM json_each(m.mentions) j WHERE j.value = mb.user_id))`,
  ),
  deleteDueChecks: q<[{ now: number; limit: number }], never>(
    `DELETE FROM webhook_unread_checks
     WHERE message_id IN (SELECT message_id FROM webhook_unread_checks WHERE due_at <= @now ORDER BY due_at LIMIT @limit)`,
  ),
  due: q<[{ now: number; limit: number }], ClaimRow>(
    `SELECT d.event_seq, d.url, d.attempts, e.id, e.type, e.created_at, e.data
     FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq
     WHERE d.dead_at IS NULL AND d.next_attempt_at <= @now AND d.claimed_until <= @now
     ORDER BY d.event_seq LIMIT @limit`,
  ),
  lease: q<[until: number, eventSeq: number, url: string], never>(
    'UPDATE webhook_deliveries SET claimed_until = ? WHERE event_seq = ? AND url = ?',
  ),
  deleteDelivery: q<[eventSeq: number, url: string], never>('DELETE FROM webhook_deliveries WHERE event_seq = ? AND url = ?'),
  deleteEventIfDone: q<[eventSeq: number], never>(
    'DELETE FROM webhook_events WHERE seq = ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE event_seq = webhook_events.seq)',
  ),
  retry: q<[attempts: number, nextAttemptAt: number, eventSeq: number, url: string], never>(
    'UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ?, claimed_until = 0 WHERE event_seq = ? AND url = ?',
  ),
  kill: q<[now: number, eventSeq: number, url: string], never>(
    'UPDATE webhook_deliveries SET dead_at = ?, claimed_until = 0 WHERE event_seq = ? AND url = ?',
  ),
  deadBefore: v<[before: number, limit: number], number>(
    'SELECT DISTINCT event_seq FROM webhook_deliveries WHERE dead_at IS NOT NULL AND dead_at < ? LIMIT ?',
  ),
  deleteDead: q<[eventSeq: number], never>('DELETE FROM webhook_deliveries WHERE event_seq = ? AND dead_at IS NOT NULL'),
  depth: v<[], number>('SELECT count(*) FROM webhook_deliveries WHERE dead_at IS NULL'),
}));

/** `WebhookStore` on SQLite. */
export class SqliteWebhooks implements WebhookStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async configureWebhooks(settings: WebhookSettings): Promise<void> {
    await this.#db.write((db) => {
      const s = statements(db);
      s.clearEndpoints.run();
      for (const url of settings.urls) s.insertEndpoint.run(url);
      // No endpoint, no unread checks: the trigger reads its delay from this row.
      if (settings.urls.length > 0) s.setSettings.run(settings.unreadDelayMs);
      else s.clearSettings.run();
    });
  }

  async promoteUnreadChecks(now: number, limit: number): Promise<number> {
    return this.#db.write((db) => {
      const s = statements(db);
      s.unreadEvents.run({ now, limit });
      return s.deleteDueChecks.run({ now, limit }).changes;
    });
  }

  async claimWebhookDeliveries(now: number, leaseMs: number, limit: number): Promise<ClaimedWebhookDelivery[]> {
    // The read and the leases share one write transaction: no other writer comes between them.
    const rows = await this.#db.write((db) => {
      const s = statements(db);
      const due = s.due.all({ now, limit });
      for (const row of due) s.lease.run(now + leaseMs, row.event_seq, row.url);
      return due;
    });
    return rows.map(toClaimed);
  }

  async completeWebhookDelivery(eventSeq: number, url: string): Promise<void> {
    await this.#db.write((db) => {
      const s = statements(db);
      s.deleteDelivery.run(eventSeq, url);
      s.deleteEventIfDone.run(eventSeq);
    });
  }

  async retryWebhookDelivery(eventSeq: number, url: string, attempts: number, nextAttemptAt: number): Promise<void> {
    await this.#db.write((db) => statements(db).retry.run(attempts, nextAttemptAt, eventSeq, url));
  }

  async killWebhookDelivery(eventSeq: number, url: string, now: number): Promise<void> {
    await this.#db.write((db) => statements(db).kill.run(now, eventSeq, url));
  }

  async pruneDeadWebhookDeliveries(before: number, limit: number): Promise<number> {
    return this.#db.write((db) => {
      const s = statements(db);
      const seqs = s.deadBefore.all(before, limit);
      for (const seq of seqs) {
        s.deleteDead.run(seq);
        s.deleteEventIfDone.run(seq);
      }
      return seqs.length;
    });
  }

  async webhookQueueDepth(): Promise<number> {
    return statements(this.#db.connection()).depth.get() ?? 0;
  }
}

function toClaimed(row: ClaimRow): ClaimedWebhookDelivery {
  return {
    id: row.id,
    type: row.type,
    createdAt: row.created_at,
    data: row.data,
    url: row.url,
    attempts: row.attempts,
    eventSeq: row.event_seq,
  };
}
