/**
 * The base of every server socket: what the chat socket
 * (`connection/connection.ts`) and a workspace socket share. It owns the
 * WebSocket's listeners, the state (`opening` → `open` → `closing` →
 * `closed`), liveness (ping/pong), closing with an encoded reason and a cut
 * when the peer does not answer, drain on shutdown, the slow-consumer guard
 * and the node's outbound budget, token expiry and session revocation.
 *
 * Whoever must act when a socket opens or closes (presence, calls, the
 * registry of sockets) listens on the kind's `SocketObserver`, wired by the
 * composition root (`server.ts`), as with mediasoup's `observer` events: a
 * socket never calls those services itself. One observer serves every
 * socket of a kind, so an idle socket carries no emitter of its own.
 */
import { EventEmitter } from 'node:events';
import type { RawData, WebSocket } from 'ws';
import { CloseCode, ErrorCode, encodeCloseReason } from '@parley/sdk/protocol';
import type { CloseReason, Limits, UserInfo } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import { revokes } from '../auth/tokens.js';
import type { TimingOptions } from '../options.js';
import { newSessionId } from '../rooms/ids.js';
import { ExpiryWatch } from './expiry.js';
import type { Expiring } from './expiry.js';
import { jitter } from './jitter.js';
import type { BudgetedSocket, OutboundBudget } from './outbound-budget.js';

/** Where a socket is in its life. `opening`: authenticating (and, for a workspace, loading its document). */
export type SocketState = 'opening' | 'open' | 'closing' | 'closed';

/** What the sockets of one kind tell the services that follow them. */
export interface SocketEvents {
  /** The socket authenticated and is open; `now` is when (epoch ms). */
  open: [socket: ManagedSocket, now: number];
  /** The socket's user is no longer a member of `room` (chat sockets, from the user's topic). */
  roomLeft: [socket: ManagedSocket, room: string];
  /** The socket closed with `code`, after releasing its own state. */
  close: [socket: ManagedSocket, code: number];
}

/** The observer of one kind of socket; see the module comment. */
export class SocketObserver extends EventEmitter<SocketEvents> {}

/** What the base needs from the server. */
export interface ManagedSocketServices {
  readonly options: {
    readonly limits: Pick<Limits, 'maxBufferedBytes'>;
    readonly timing: Pick<TimingOptions, 'closeTimeoutMs'>;
  };
  /** The node-wide cap on queued bytes these sockets count against; null when they are not counted. */
  readonly outbound: OutboundBudget | null;
  readonly observer: SocketObserver;
}

/** How the log lines of one kind of socket read. */
export interface SocketWording {
  /** A WebSocket `error` event. */
  readonly error: string;
  /** Cut for not answering a ping. */
  readonly noPong: string;
  /** Closed for holding more than `maxBufferedBytes`. */
  readonly slowConsumer: string;
}

/** Where a WebSocket keeps its `ManagedSocket`, for the listeners every socket shares. */
const SOCKET = Symbol('parley.socket');
type OwnedSocket = WebSocket & { [SOCKET]?: ManagedSocket };

/** Token expiry of every socket in the process, on one timer. */
const expiries = new ExpiryWatch<ManagedSocket>();

/** See the module comment. */
export abstract class ManagedSocket<S extends ManagedSocketServices = ManagedSocketServices> implements BudgetedSocket, Expiring {
  readonly id = newSessionId();
  protected readonly ws: WebSocket;
  protected readonly services: S;
  /** This socket's share of the node's queued-bytes estimate (kept by `OutboundBudget`). */
  budgetShare = 0;
  #state: SocketState = 'opening';
  /** Cleared by each liveness check, set again by any pong or message. */
  #alive = true;
  #user: UserInfo | null = null;
  /** When the token was issued (epoch ms), for revocation. */
  #issuedAt: number | null = null;
  /** The token's expiry second while it is watched (see `ExpiryWatch`). */
  #expiryKey: number | null = null;
  #killTimer: NodeJS.Timeout | null = null;
  /** Made when someone waits for the close (shutdown), not for every socket. */
  #closed: { promise: Promise<void>; resolve: () => void } | null = null;

  /** Takes over an upgraded WebSocket. */
  protected constructor(ws: WebSocket, services: S) {
    this.ws = ws;
    this.services = services;
    // One set of listener functions for every socket (no closures per socket); each finds its socket on the WebSocket.
    (ws as OwnedSocket)[SOCKET] = this;
    const listeners = ManagedSocket.#listeners;
    /* eslint-disable @typescript-eslint/unbound-method -- `ws` calls its listeners with the WebSocket as `this`, which is what they take */
    ws.on('close', listeners.close);
    ws.on('message', listeners.message);
    ws.on('error', listeners.error);
    ws.on('pong', listeners.pong);
    /* eslint-enable @typescript-eslint/unbound-method */
  }

  /** The WebSocket listeners, shared by every socket. */
  static readonly #listeners = {
    close: function (this: OwnedSocket, code: number): void {
      const socket = this[SOCKET];
      if (socket) socket.#onClose(code);
    },
    message: function (this: OwnedSocket, data: RawData, isBinary: boolean): void {
      const socket = this[SOCKET];
      if (!socket) return;
      socket.#alive = true;
      socket.received(data, isBinary);
    },
    error: function (this: OwnedSocket, error: Error): void {
      const socket = this[SOCKET];
      if (socket) socket.log.warn({ err: error }, socket.wording.error);
    },
    pong: function (this: OwnedSocket): void {
      const socket = this[SOCKET];
      if (socket) socket.#alive = true;
    },
  };

  // ── for the kinds of socket ─────────────────────────────────────────────────

  /** This socket's logger. */
  protected abstract get log(): Logger;
  /** How this kind's log lines read. */
  protected abstract get wording(): SocketWording;
  /** A message arrived (after it counted as a sign of life). */
  protected abstract received(data: RawData, isBinary: boolean): void;
  /** `close()` began: drop what waits to be sent, stop the kind's own timers. */
  protected closing(): void {}
  /** The WebSocket closed: release the kind's own state (before the observer hears of it). */
  protected released(_code: number): void {}
  /** Resolves when the work already received is answered (`drain()` waits for it). */
  protected settled(): Promise<void> | undefined {
    return undefined;
  }

  protected get state(): SocketState {
    return this.#state;
  }

  /** The socket is open: authenticated (and whatever else its kind waits for). */
  protected opened(): void {
    this.#state = 'open';
  }

  /** The token checked out: revocations of `user`'s sessions issued after `issuedAt` (epoch ms) close this socket. */
  protected authenticated(user: UserInfo, issuedAt: number | null): void {
    this.#user = user;
    this.#issuedAt = issuedAt;
  }

  /** Closes the socket with 4004 when its token expires at `expiresAt` (epoch ms; null: never). */
  protected watchExpiry(expiresAt: number | null): void {
    if (expiresAt !== null) this.#expiryKey = expiries.add(this, expiresAt);
  }

  /**
   * Call after each write: past `maxBufferedBytes` the socket is closed as
   * a slow consumer, else the node's outbound budget learns its queued bytes.
   */
  protected wrote(): void {
    const buffered = this.ws.bufferedAmount;
    const outbound = this.services.outbound;
    if (buffered > this.services.options.limits.maxBufferedBytes) {
      this.log.warn({ buffered }, this.wording.slowConsumer);
      this.shed();
      outbound?.forget(this);
      return;
    }
    outbound?.wrote(this, buffered);
  }

  // ── for the server ──────────────────────────────────────────────────────────

  /** The authenticated user, or null before authentication. */
  get user(): UserInfo | null {
    return this.#user;
  }

  /** Resolves once the socket is closed. */
  get closed(): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve();
    if (!this.#closed) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#closed = { promise, resolve };
    }
    return this.#closed.promise;
  }

  /** Bytes queued for this socket and not yet taken by the kernel; 0 once closing. */
  get queuedBytes(): number {
    return this.ws.readyState === this.ws.OPEN ? this.ws.bufferedAmount : 0;
  }

  /** Closes as a slow consumer (over its own cap, or the node is over `maxQueuedBytes` and this socket holds the most). */
  shed(): void {
    this.close(CloseCode.SlowConsumer, { retryAfterMs: jitter(1_000, 5_000) });
  }

  /** Closes with `code` and a JSON reason; cuts the socket if the client does not answer in time. */
  close(code: number, reason: CloseReason): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    this.closing();
    this.#unwatchExpiry();
    this.ws.close(code, encodeCloseReason(reason));
    this.#killTimer = setTimeout(() => this.ws.terminate(), this.services.options.timing.closeTimeoutMs);
    this.#killTimer.unref();
  }

  /**
   * Server shutdown: finishes the work already received, then closes with
   * 1001 and a jittered `retryAfterMs`. Resolves when the socket is closed.
   */
  async drain(): Promise<void> {
    const settled = this.settled();
    if (settled) await settled;
    this.close(CloseCode.GoingAway, { retryAfterMs: jitter(1_000, 5_000) });
    await this.closed;
  }

  /**
   * Liveness, called every ping interval: a socket that answered neither the
   * previous WebSocket ping nor sent anything since is dead (a vanished peer
   * never sends a FIN) and is cut; otherwise it gets a new ping.
   */
  checkAlive(): void {
    if (this.#state === 'closed') return;
    if (!this.#alive) {
      this.log.info(this.wording.noPong);
      this.ws.terminate();
      return;
    }
    this.#alive = false;
    try {
      this.ws.ping();
    } catch {
      // Socket already closing; the close handler cleans up.
    }
  }

  /** The host ended `user`'s sessions as of `before` (epoch ms): closes this socket if its token is older. */
  sessionsRevoked(user: string, before: number): void {
    if (this.#user?.id !== user || !revokes(before, this.#issuedAt)) return;
    this.close(CloseCode.AuthFailed, { code: ErrorCode.SessionRevoked });
  }

  /** The token has expired: closes with 4004 (called by the expiry watch). */
  expire(): void {
    this.#expiryKey = null;
    this.close(CloseCode.TokenExpired, { code: ErrorCode.TokenExpired });
  }

  #unwatchExpiry(): void {
    if (this.#expiryKey !== null) expiries.remove(this, this.#expiryKey);
    this.#expiryKey = null;
  }

  #onClose(code: number): void {
    this.#state = 'closed';
    this.#unwatchExpiry();
    if (this.#killTimer) clearTimeout(this.#killTimer);
    this.released(code);
    this.services.outbound?.forget(this);
    this.services.observer.emit('close', this, code);
    this.#closed?.resolve();
  }
}
