/**
 * Rates of the requests whose cost is far above a frame's: searches
 * (`limits.searchRate`), rooms created and members added (`quotas.roomCreates`,
 * `quotas.invites`). Each is a bucket per user, shared by the user's
 * connections, apart from the frame rate; over it the request fails with
 * `rate_limited` and `retryAfterMs`, before any work is done.
 */
import { ErrorCode } from '@parley/sdk/protocol';
import type { Limits } from '@parley/sdk/protocol';
import { RequestError } from '../errors.js';
import { KeyedBuckets } from './keyed-buckets.js';
import { perSecond } from './quota-options.js';
import type { QuotaOptions } from './quota-options.js';

/** See the module comment. */
export class RequestQuotas {
  readonly #searches: KeyedBuckets;
  readonly #roomCreates: KeyedBuckets;
  readonly #invites: KeyedBuckets;

  /** Buckets from the server's limits and quotas. */
  constructor(limits: Pick<Limits, 'searchRate'>, quotas: Pick<QuotaOptions, 'roomCreates' | 'invites'>) {
    this.#searches = new KeyedBuckets(limits.searchRate);
    this.#roomCreates = new KeyedBuckets(perSecond(quotas.roomCreates));
    this.#invites = new KeyedBuckets(perSecond(quotas.invites));
  }

  /** One search by `user`. */
  search(user: string, now: number): void {
    const wait = this.#searches.take(user, now);
    if (wait > 0) throw limited(wait, 'too many searches');
  }

  /** `user` creates a room naming `members` other members (0 for a direct room's peer, who is not invited). */
  createRoom(user: string, members: number, now: number): void {
    const wait = this.#roomCreates.take(user, now);
    if (wait > 0) throw limited(wait, 'too many rooms created');
    if (members === 0) return;
    try {
      this.invite(user, members, now);
    } catch (error) {
      this.#roomCreates.refund(user, 1);
      throw error;
    }
  }

  /** `user` adds `count` members to rooms. */
  invite(user: string, count: number, now: number): void {
    const wait = this.#invites.take(user, now, count);
    if (wait > 0) throw limited(wait, 'too many members added to rooms');
  }
}

function limited(retryAfterMs: number, what: string): RequestError {
  return new RequestError(ErrorCode.RateLimited, `${what}; try again later`, retryAfterMs);
}
