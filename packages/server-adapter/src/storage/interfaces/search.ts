/** Full-text search over the messages a user may read. */
import type { Message } from '@parley/sdk/protocol';

/** Options of {@link SearchStore.search}. */
export interface SearchOptions {
  /** The search fails with a `timeout` storage error when it has not finished by then (ms). */
  timeoutMs?: number;
}

/** The search index of messages. */
export interface SearchStore {
  /**
   * Full-text search over non-deleted messages in rooms `user` is a member of
   * (or in `room` only, when given and the user is a member), newest first.
   * Its cost grows with the user's rooms and the matches in them, not with
   * the rest of the store; past `options.timeoutMs` (default 2 s) it fails
   * with a `timeout` StorageError.
   */
  search(user: string, query: string, room: string | null, limit: number, options?: SearchOptions): Promise<Message[]>;
}
