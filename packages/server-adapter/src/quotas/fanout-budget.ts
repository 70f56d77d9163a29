/**
 * The bytes a user's changes send to rooms, limited per user and per room
 * (`limits.userByteRate`, `limits.roomByteRate`). A frame limit alone lets a
 * few hundred large messages (escaped control characters take six bytes
 * each on the wire) fill every member's socket buffer; this limits what
 * members actually receive.
 *
 * A change reserves an estimate of its event before it is committed, so a
 * refusal commits nothing; once the event is encoded, the reservation is
 * settled to the bytes that went out (the frame each member's socket gets).
 */
import { ErrorCode, encodeEvent } from '@parley/sdk/protocol';
import type { EventFrame, Limits } from '@parley/sdk/protocol';
import { RequestError } from '../errors.js';
import { KeyedBuckets } from './keyed-buckets.js';

/** A reservation of fan-out bytes, settled once the event is encoded. */
export interface FanoutCharge {
  /** The event went out with `bytes` (0 when nothing was published, e.g. a retried send); may be called once. */
  settle(bytes: number): void;
}

/** See the module comment. */
export class FanoutBudget {
  readonly #users: KeyedBuckets;
  readonly #rooms: KeyedBuckets;

  /** Budgets from the server's limits. */
  constructor(limits: Pick<Limits, 'userByteRate' | 'roomByteRate'>) {
    this.#users = new KeyedBuckets(limits.userByteRate);
    this.#rooms = new KeyedBuckets(limits.roomByteRate);
  }

  /**
   * Reserves `estimate` bytes for `user`'s change to `room`; throws
   * `rate_limited` with `retryAfterMs` when either budget cannot cover it.
   */
  reserve(user: string, room: string, estimate: number, now: number): FanoutCharge {
    const userWait = this.#users.take(user, now, estimate);
    if (userWait > 0) throw tooManyBytes(userWait, 'you');
    const roomWait = this.#rooms.take(room, now, estimate);
    if (roomWait > 0) {
      this.#users.refund(user, estimate);
      throw tooManyBytes(roomWait, 'this room');
    }
    let settled = false;
    return {
      settle: (bytes) => {
        if (settled) return;
        settled = true;
        const extra = bytes - estimate;
        if (extra > 0) {
          const at = Date.now();
          this.#users.charge(user, at, extra);
          this.#rooms.charge(room, at, extra);
        } else if (extra < 0) {
          this.#users.refund(user, -extra);
          this.#rooms.refund(room, -extra);
        }
      },
    };
  }
}

/** Bytes of `event` as encoded on the wire: the estimate of a change whose event is known up to its numbers. */
export function eventBytes(event: EventFrame): number {
  return Buffer.byteLength(encodeEvent(event), 'utf8');
}

function tooManyBytes(retryAfterMs: number, who: string): RequestError {
  return new RequestError(ErrorCode.RateLimited, `${who} sent too many bytes to rooms; wait a moment`, retryAfterMs);
}
