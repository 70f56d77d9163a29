/**
 * `parley-error`: an element cannot work as it should, and says why: the
 * server cannot be reached, the token was refused or has expired, the page's
 * origin is not allowed, the user is not a member of the room… Fired once
 * when a cause appears (not on every retry), again only after it went away
 * and came back. Bubbles and crosses shadow roots.
 *
 * Cancelable: `preventDefault()` keeps the element from showing its own
 * banner for this cause and from writing its console line; the host shows
 * the problem its own way.
 */
export class ParleyErrorEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-error';
  /** The SDK's error code (`unreachable`, `auth_failed`, `token_expired`, `not_member`…; see the README's error table). */
  readonly code: string;
  /** The sentence the element shows for it (from its `strings`). */
  readonly message: string;
  /** The SDK's `ParleyError` behind it (or whatever was thrown), with the technical details. */
  readonly cause: unknown;
  /** True when nothing will change without the host's or the user's help (a refused token, a room the user is not in). */
  readonly fatal: boolean;
  /** True when the client keeps trying by itself (the server is unreachable, busy or rate-limiting). */
  readonly retrying: boolean;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(init: { code: string; message: string; cause: unknown; fatal: boolean; retrying: boolean }) {
    super(ParleyErrorEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.code = init.code;
    this.message = init.message;
    this.cause = init.cause;
    this.fatal = init.fatal;
    this.retrying = init.retrying;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-error': ParleyErrorEvent;
  }
}
