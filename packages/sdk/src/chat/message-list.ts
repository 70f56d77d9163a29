/**
 * A room's loaded messages: a contiguous window of `seq`s, merged by id with
 * the higher `rev` winning. Messages older than the window are not let in
 * (an old message edited while we were away would otherwise appear above a
 * hole); they arrive in order when the user scrolls back.
 */
import type { Message } from '../protocol/model.js';

/** What a merge did. */
export type MergeResult = 'added' | 'updated' | 'ignored';

/** How a message may join the window. */
export interface MergeMode {
  /**
   * The room's cursor `seq`: messages above it always join (they are what a
   * resume delivers); messages at or below it join only inside the window.
   */
  knownSeq: number;
  /** A history page adjacent to the window: always joins. */
  contiguous?: boolean;
}

/** See the module comment. */
export class MessageList {
  private readonly byId = new Map<string, Message>();
  /** clientId → message; client ids are UUIDs, the sender is checked on lookup. */
  private readonly byClientId = new Map<string, Message>();
  private sorted: Message[] = [];

  /** Number of messages loaded. */
  get size(): number {
    return this.sorted.length;
  }

  /** The message with this id. */
  get(id: string): Message | undefined {
    return this.byId.get(id);
  }

  /** The id of the message `sender` sent with `clientId`, if loaded. */
  idFor(sender: string, clientId: string): string | undefined {
    const message = this.byClientId.get(clientId);
    return message?.sender === sender ? message.id : undefined;
  }

  /** Lowest loaded `seq`, or null when empty. */
  oldestSeq(): number | null {
    return this.sorted.length ? this.sorted[0].seq : null;
  }

  /** Highest loaded `seq`, or null when empty. */
  newestSeq(): number | null {
    return this.sorted.length ? this.sorted[this.sorted.length - 1].seq : null;
  }

  /** Messages in `seq` order (do not mutate). */
  all(): readonly Message[] {
    return this.sorted;
  }

  /** Adds or updates one message; see {@link MergeMode}. */
  merge(message: Message, mode: MergeMode): MergeResult {
    const existing = this.byId.get(message.id);
    if (existing) {
      if (message.rev <= existing.rev) return 'ignored';
      this.byId.set(message.id, message);
      this.sorted[this.indexOf(message.seq)] = message;
      if (message.clientId !== null) this.byClientId.set(message.clientId, message);
      return 'updated';
    }
    if (!mode.contiguous && message.seq <= mode.knownSeq) {
      // Only messages at or below the room's cursor can open a hole; anything
      // newer belongs to the range a resume is filling in, even when live
      // messages that arrived during the resume already sit above it.
      const oldest = this.oldestSeq();
      if (oldest === null || message.seq < oldest) return 'ignored';
    }
    this.byId.set(message.id, message);
    if (message.clientId !== null) this.byClientId.set(message.clientId, message);
    const at = this.indexOf(message.seq);
    this.sorted.splice(at, 0, message);
    return 'added';
  }

  /** Removes messages with `seq <= floor` (gone by retention); returns how many. */
  dropThrough(floor: number): number {
    let count = 0;
    while (this.sorted.length && this.sorted[0].seq <= floor) {
      const message = this.sorted.shift() as Message;
      this.byId.delete(message.id);
      if (message.clientId !== null && this.byClientId.get(message.clientId) === message) this.byClientId.delete(message.clientId);
      count++;
    }
    return count;
  }

  /** Binary search: the index of `seq`, or where it would go. */
  private indexOf(seq: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    // Appends are the common case.
    if (hi > 0 && this.sorted[hi - 1].seq < seq) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid].seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
