/**
 * Collaborative workspaces: a room's shared Yjs document kept in sync through
 * y-websocket's provider on the server's `/v1/yjs/<roomId>` endpoint, with a
 * device copy (IndexedDB in browsers) so offline edits survive a reload and
 * merge on reconnect, awareness (who is here, cursors) and a sync state in
 * the client's store. Loaded on the first `client.workspace()`: chat-only
 * pages never download Yjs.
 *
 * "Pending" comes from the server's acks: each document-changing message a
 * socket sends is counted; the server acknowledges a count once those are
 * stored. Local changes are confirmed when the message that carried the
 * newest of them is acknowledged.
 */
import * as decoding from 'lib0/decoding';
import type * as encoding from 'lib0/encoding';
import { Awareness } from 'y-protocols/awareness';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { ConnectionError, ParleyError, errorFromClose, requestError } from '../errors.js';
import { CloseCode, ErrorCode, parseCloseReason } from '../protocol/codes.js';
import type { CloseReason } from '../protocol/codes.js';
import type { UserInfo } from '../protocol/model.js';
import { WorkspaceMessage, userColor } from '../protocol/workspace.js';
import type { Timers } from '../transport/platform.js';
import { workspaceDatabaseName } from '../offline/workspace-databases.js';
import { indexedDbLocalCopy } from './workspace-local.js';
import { WorkspaceSocket, workspaceSocketClass } from './workspace-socket.js';
import type { ProtocolWebSocketConstructor } from './workspace-socket.js';
import { WorkspaceTasks } from './workspace-tasks.js';
import type { WorkspaceLocalCopy, WorkspaceLocalStore, WorkspaceState, WorkspaceStatus } from './workspace-types.js';

/** What workspaces need from the client. */
export interface WorkspaceHost {
  /** The workspace endpoint: `ws(s)://host/…/v1/yjs`. */
  readonly url: string;
  /** The signed-in user (from the token until the server confirms it). */
  identity(): Promise<UserInfo>;
  /** The token for the next socket; `fresh` after the server said it expired. */
  token(fresh: boolean): Promise<string>;
  /** The WebSocket constructor (the client's `WebSocket` option, else the global one). */
  readonly WebSocket: ProtocolWebSocketConstructor | null;
  /** Makes device copies: IndexedDB, a custom store, or null for memory only (Node). */
  readonly localStore: WorkspaceLocalStore | 'indexeddb' | null;
  /** Puts a workspace's state into the client's store (null removes it). */
  publish(room: string, state: WorkspaceState | null): void;
  readonly timers: Timers;
}

/** Longest pause between reconnect attempts (y-websocket backs off exponentially up to it). */
const MAX_BACKOFF_MS = 10_000;
/** Key of the "unconfirmed local changes" flag kept beside the device copy. */
const UNCONFIRMED_KEY = 'parley:unconfirmed';

/** A room's open workspace. The same handle is returned for the same room until every holder released it. */
export class Workspace {
  /** The room whose document this is. */
  readonly room: string;
  /** The shared document: `getText('body')` and `getMap('tasks')` (see the README's content model). */
  readonly doc: Y.Doc;
  /** Who is here: every participant's `{ user: { id, name, color }, … }`; set your own cursor with `setLocalStateField`. */
  readonly awareness: Awareness;
  /** Typed helpers for the task list. */
  readonly tasks: WorkspaceTasks;
  /** Resolves once the device copy (if any) is loaded into `doc`. */
  readonly whenLoaded: Promise<void>;

  readonly #host: WorkspaceHost;
  readonly #provider: WebsocketProvider;
  readonly #onDestroyed: () => void;
  #local: WorkspaceLocalCopy | null;
  #refs = 0;
  #destroyed = false;
  #loaded = false;
  #attempted = false;
  #readOnly = false;
  #deniedOnSocket = false;
  #error: ParleyError | null = null;
  #state: WorkspaceState | null = null;
  #listeners = new Set<(state: WorkspaceState) => void>();
  // Pending bookkeeping (see the module comment).
  #dirty = false;
  #needsResync = false;
  #socket: WorkspaceSocket | null = null;
  #acks = true;
  #sent = 0;
  #acked = 0;
  #mark = 0;
  #tokenStale = false;
  #retryTimer: unknown = null;

  /** Use `client.workspace(roomId)`. */
  constructor(room: string, user: UserInfo, host: WorkspaceHost, onDestroyed: () => void) {
    if (!host.WebSocket) throw new ParleyError('offline', 'no WebSocket implementation: pass the `WebSocket` option');
    this.room = room;
    this.#host = host;
    this.#onDestroyed = onDestroyed;
    this.doc = new Y.Doc();
    this.awareness = new Awareness(this.doc);
    this.awareness.setLocalStateField('user', { id: user.id, name: user.name, color: userColor(user.id) });
    this.tasks = new WorkspaceTasks(this.doc, () => user.id);
    const name = workspaceDatabaseName(host.url, user.id, room);
    const store = host.localStore;
    this.#local = store === 'indexeddb' ? indexedDbLocalCopy(name, this.doc) : store ? store.open(name, this.doc) : null;

    const socketClass = workspaceSocketClass(host.WebSocket, {
      token: () => {
        const fresh = this.#tokenStale;
        this.#tokenStale = false;
        return host.token(fresh);
      },
      opened: (socket, acks) => this.#opened(socket, acks),
      sent: (socket, kind) => this.#sentOn(socket, kind),
    });
    this.#provider = new WebsocketProvider(host.url, encodeURIComponent(room), this.doc, {
      connect: false,
      awareness: this.awareness,
      WebSocketPolyfill: socketClass as unknown as typeof WebSocket,
      disableBc: true, // cross-tab sync would bypass the server's permission checks
      maxBackoffTime: MAX_BACKOFF_MS,
      shouldReconnect: (event) => this.#shouldReconnect(event),
    });
    this.#wireProvider();
    // After the provider's own listener, which has sent the update by the time this one runs.
    this.doc.on('update', this.#onUpdate);

    this.whenLoaded = this.#load();
    this.#publish();
  }

  /** The current state, as in `client.state.workspaces[room]`. */
  get state(): WorkspaceState {
    return this.#state ?? this.#compute();
  }

  /** The shared text (`doc.getText('body')`). */
  get text(): Y.Text {
    return this.doc.getText('body');
  }

  /** Calls `listener` with every new state; returns the unsubscribe function. */
  onState(listener: (state: WorkspaceState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves once the workspace is synced and nothing is pending; rejects
   * when it stopped for good (a non-retryable error) or is released.
   */
  whenSynced(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (state: WorkspaceState): boolean => {
        if (state.status === 'synced' && !state.pending) resolve();
        else if (this.#destroyed) reject(new ParleyError('aborted', 'the workspace was released'));
        else if (state.error && !state.error.retryable) reject(state.error);
        else return false;
        return true;
      };
      if (check(this.state)) return;
      const off = this.onState((state) => {
        if (check(state)) off();
      });
    });
  }

  /** Gives the handle back; the document closes when its last holder released it (its device copy stays). */
  release(): void {
    if (this.#destroyed || this.#refs === 0) return;
    this.#refs -= 1;
    if (this.#refs === 0) void this.destroy(false);
  }

  /** @internal Another `client.workspace()` call got this handle. */
  retain(): this {
    this.#refs += 1;
    return this;
  }

  /** @internal Pauses the socket (`client.disconnect()`). */
  pause(): void {
    this.#clearRetry();
    this.#provider.disconnect();
    this.#publish();
  }

  /** @internal Resumes the socket (`client.connect()`). */
  resume(): void {
    if (this.#destroyed || !this.#loaded) return;
    if (this.#error && !this.#error.retryable) return;
    this.#provider.connect();
  }

  /** @internal Closes everything; `purge` also deletes the device copy (logout). */
  async destroy(purge: boolean): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#clearRetry();
    this.doc.off('update', this.#onUpdate);
    this.#provider.destroy();
    this.awareness.destroy();
    const local = this.#local;
    this.#local = null;
    this.#host.publish(this.room, null);
    for (const listener of [...this.#listeners]) listener(this.#compute());
    this.#listeners.clear();
    this.#onDestroyed();
    try {
      if (local) await (purge ? local.clear() : local.destroy());
    } finally {
      this.doc.destroy();
    }
  }

  // ── loading and the provider ─────────────────────────────────────────────────

  async #load(): Promise<void> {
    const local = this.#local;
    if (local) {
      try {
        await local.whenLoaded;
        this.#dirty = (await local.get(UNCONFIRMED_KEY)) === true;
      } catch {
        // No usable device copy (private mode, quota): carry on in memory.
        this.#local = null;
      }
    }
    if (this.#destroyed) return;
    this.#loaded = true;
    // Connect only now, so the first sync carries the offline edits just loaded.
    this.#provider.connect();
    this.#publish();
  }

  #wireProvider(): void {
    const provider = this.#provider;
    const handlers = provider.messageHandlers;
    const sync = handlers[WorkspaceMessage.Sync];
    handlers[WorkspaceMessage.Sync] = (encoder, decoder, p, emitSynced, type) => {
      sync(encoder, decoder, p, emitSynced, type);
      // The server announces read-only before its first sync message on every socket.
      if (!this.#deniedOnSocket && this.#readOnly) {
        this.#readOnly = false;
        this.#publish();
      }
    };
    handlers[WorkspaceMessage.Auth] = (_encoder: encoding.Encoder, decoder: decoding.Decoder) => {
      // y-protocols auth: the only message is "permission denied" with a reason.
      if (decoding.readVarUint(decoder) !== 0) return;
      decoding.readVarString(decoder);
      this.#deniedOnSocket = true;
      this.#readOnly = true;
      this.#publish();
    };
    handlers[WorkspaceMessage.Ack] = (_encoder: encoding.Encoder, decoder: decoding.Decoder) => {
      this.#acked = Math.max(this.#acked, decoding.readVarUint(decoder));
      this.#settle();
    };
    provider.on('status', () => this.#publish());
    provider.on('sync', (synced: boolean) => {
      if (synced && this.#error?.retryable) this.#error = null;
      this.#publish();
    });
    provider.on('connection-close', () => {
      this.#attempted = true;
      this.#socket = null;
      this.#publish();
    });
  }

  /** Decides about reconnecting after the server closed the socket (y-websocket asks). */
  #shouldReconnect(event: CloseEvent): boolean {
    const reason = parseCloseReason(event.reason);
    this.#error = closeError(event.code, reason);
    this.#publish();
    if (!this.#error.retryable) return false;
    if (event.code === CloseCode.TokenExpired) this.#tokenStale = true;
    const wait = reason.retryAfterMs;
    if (wait !== undefined && wait > 0) {
      // The server said when: wait that long instead of y-websocket's own backoff.
      this.#clearRetry();
      this.#retryTimer = this.#host.timers.setTimeout(() => {
        this.#retryTimer = null;
        if (!this.#destroyed) this.#provider.connect();
      }, wait);
      return false;
    }
    return true;
  }

  #clearRetry(): void {
    if (this.#retryTimer !== null) this.#host.timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  // ── pending ─────────────────────────────────────────────────────────────────

  #opened(socket: WorkspaceSocket, acks: boolean): void {
    this.#socket = socket;
    this.#acks = acks;
    this.#sent = 0;
    this.#acked = 0;
    this.#mark = 0;
    this.#deniedOnSocket = false;
    // Whatever is unconfirmed goes out again in this socket's sync step 2.
    this.#needsResync = this.#dirty;
  }

  #sentOn(socket: WorkspaceSocket, kind: 'step2' | 'update'): void {
    if (socket !== this.#socket) return;
    this.#sent += 1;
    if (kind === 'step2' && this.#needsResync) {
      this.#needsResync = false;
      this.#mark = this.#sent;
    }
    // A server without acks: sending is as much confirmation as we will get.
    if (!this.#acks) this.#acked = this.#sent;
    this.#settle();
  }

  readonly #onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin === this.#provider || (this.#local !== null && origin === this.#local.origin)) return;
    this.#setDirty(true);
    const socket = this.#socket;
    if (socket && this.#provider.wsconnected && socket.readyState === WorkspaceSocket.OPEN) {
      this.#mark = this.#sent; // the provider has just sent it
    } else {
      this.#needsResync = true;
    }
    this.#settle();
  };

  /** Local changes are confirmed once the message that carried the newest of them is acknowledged. */
  #settle(): void {
    if (this.#dirty && !this.#needsResync && this.#acked >= this.#mark) this.#setDirty(false);
    else this.#publish();
  }

  #setDirty(dirty: boolean): void {
    if (this.#dirty !== dirty) {
      this.#dirty = dirty;
      // Kept beside the device copy, so a reload still knows the edits are unconfirmed.
      this.#local?.set(UNCONFIRMED_KEY, dirty).catch(() => undefined);
    }
    this.#publish();
  }

  // ── state ───────────────────────────────────────────────────────────────────

  #compute(): WorkspaceState {
    return { status: this.#status(), pending: this.#dirty, readOnly: this.#readOnly, error: this.#error };
  }

  #status(): WorkspaceStatus {
    if (!this.#loaded) return 'loading';
    if (this.#provider.wsconnected) return this.#provider.synced ? 'synced' : 'syncing';
    return this.#attempted ? 'offline' : 'connecting';
  }

  #publish(): void {
    if (this.#destroyed) return;
    const next = this.#compute();
    const previous = this.#state;
    if (
      previous &&
      previous.status === next.status &&
      previous.pending === next.pending &&
      previous.readOnly === next.readOnly &&
      previous.error === next.error
    ) {
      return;
    }
    this.#state = next;
    this.#host.publish(this.room, next);
    for (const listener of [...this.#listeners]) listener(next);
  }
}

/** The typed error behind a workspace socket's close. */
function closeError(code: number, reason: CloseReason): ParleyError {
  const init = reason.retryAfterMs !== undefined ? { retryAfterMs: reason.retryAfterMs } : {};
  switch (code) {
    case CloseCode.WorkspaceForbidden:
      return requestError(reason.code ?? ErrorCode.NotMember, 'you may not open this workspace', { ...init, retryable: false });
    case CloseCode.WorkspaceTooLarge:
    case CloseCode.MessageTooBig: {
      const limit = reason.code ?? ErrorCode.FrameTooLarge;
      const what = limit === ErrorCode.DocumentTooLarge ? 'the document would exceed its size limit' : 'a change is larger than the server accepts';
      return requestError(limit, what, { ...init, retryable: false });
    }
    case CloseCode.WorkspaceTooComplex: {
      // Final: the refused change is still in this document, so every reconnect would send it again.
      const limit = reason.code ?? ErrorCode.UpdateTooComplex;
      const what =
        limit === ErrorCode.DocumentTooComplex
          ? 'the document is too complex for the server to open'
          : 'a change is too complex for the server to merge; it was not saved or shared';
      return requestError(limit, what, { ...init, retryable: false });
    }
    case CloseCode.WorkspaceAccessChanged:
      return new ConnectionError('disconnected', 'your permissions in this room changed; reconnecting', { closeCode: code });
    default:
      return errorFromClose(code, reason);
  }
}
