/**
 * Token expiry for every connection of the process with one timer. Sockets
 * are grouped by the second their token expires (a JWT's `exp` has second
 * precision anyway) and the timer waits for the earliest group, so an idle
 * socket holds a set entry instead of its own timer and closure — at 10 000
 * sockets that is measurable.
 */

/** Something to be told when its time is up. */
export interface Expiring {
  expire(): void;
}

/** Longest delay Node can schedule; a later expiry re-arms when this passes. */
const MAX_TIMER_MS = 2_147_483_647;

/** Calls `expire()` on each item once its time has come. */
export class ExpiryWatch<T extends Expiring> {
  /** Expiry second (epoch ms, rounded up to a whole second) → the items due then. */
  readonly #groups = new Map<number, Set<T>>();
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Number.POSITIVE_INFINITY;

  /** Watches `item` until `at` (epoch ms, rounded up to the second); returns the key `remove` takes. */
  add(item: T, at: number): number {
    const key = Math.ceil(at / 1000) * 1000;
    let group = this.#groups.get(key);
    if (!group) {
      group = new Set();
      this.#groups.set(key, group);
    }
    group.add(item);
    if (key < this.#timerAt) this.#arm(key);
    return key;
  }

  /** Stops watching `item` (added under `key`). */
  remove(item: T, key: number): void {
    const group = this.#groups.get(key);
    if (!group) return;
    group.delete(item);
    // The timer may still fire for a group emptied here; it then re-arms for the next one.
    if (group.size === 0) this.#groups.delete(key);
  }

  /** Items watched (for tests). */
  get size(): number {
    let total = 0;
    for (const group of this.#groups.values()) total += group.size;
    return total;
  }

  #arm(key: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = key;
    this.#timer = setTimeout(this.#fire, Math.min(Math.max(0, key - Date.now()), MAX_TIMER_MS));
    // Never keeps a process alive on its own: servers hold it open while they listen.
    this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    const due: Array<Set<T>> = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [key, group] of this.#groups) {
      if (key <= now) {
        this.#groups.delete(key);
        due.push(group);
      } else if (key < next) {
        next = key;
      }
    }
    if (next < Number.POSITIVE_INFINITY) this.#arm(next);
    for (const group of due) {
      for (const item of group) {
        try {
          item.expire();
        } catch {
          // One failing close must not keep the others open.
        }
      }
    }
  };
}
