/**
 * Which message each rev of a room changed, from everything any client of
 * the run saw (events, sync pages, acks, history). Every rev changes exactly
 * one message, so one sighting names it. A rev nobody ever saw was
 * superseded before it reached anyone.
 */
import type { Message } from '@parley/sdk/protocol';

/** See the module comment. */
export class RevIndex {
  readonly #rooms = new Map<string, Map<number, string>>();

  /** Notes that `message` carried its rev. */
  saw(message: Message): void {
    let revs = this.#rooms.get(message.room);
    if (!revs) this.#rooms.set(message.room, (revs = new Map()));
    revs.set(message.rev, message.id);
  }

  /** The message rev `rev` of `room` changed, if anyone saw it. */
  messageAt(room: string, rev: number): string | undefined {
    return this.#rooms.get(room)?.get(rev);
  }
}
