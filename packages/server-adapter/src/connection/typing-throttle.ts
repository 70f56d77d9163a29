/** The typing throttle of one socket: at most one `typing: true` per room per interval. */

/** Rooms remembered before the throttle forgets them all (a client cycling through rooms cannot grow it). */
const MAX_ROOMS = 100;

/** See the module comment. */
export class TypingThrottle {
  readonly #intervalMs: number;
  /** Room → when its last `typing: true` went out. */
  readonly #typingAt = new Map<string, number>();

  /** Creates a throttle letting one `typing: true` per room through every `intervalMs`. */
  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /**
   * Whether this typing change goes out: `typing: true` at most once per
   * interval, `typing: false` only after a `true` that went out.
   */
  allow(room: string, typing: boolean, now: number): boolean {
    const typingAt = this.#typingAt;
    if (!typing) return typingAt.delete(room);
    const last = typingAt.get(room);
    if (last !== undefined && now - last < this.#intervalMs) return false;
    if (typingAt.size > MAX_ROOMS) typingAt.clear();
    typingAt.set(room, now);
    return true;
  }
}
