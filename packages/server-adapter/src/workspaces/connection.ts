/**
 * One workspace (y-websocket) socket: authenticates with the token from the
 * upgrade request, checks membership, opens the room's document, then
 * handles sync and awareness messages in arrival order. Messages that arrive
 * before the document is open wait in a small bounded buffer.
 *
 * Read-only members (see `workspace.edit` in the policy table) are told once
 * with y-protocols' `permission denied`; their document changes are dropped,
 * never applied or relayed. Anything malformed closes this socket only, and
 * so does an update that takes longer than its budget to merge (4422
 * `update_too_complex`; the merge runs on an engine thread, see `doc.ts`);
 * after that, the user's other workspace sockets on this node close and new
 * ones are refused for `refusalCooldownMs` (4029).
 */
import type { RawData, WebSocket } from 'ws';
import { CloseCode, ErrorCode, READ_ONLY_REASON, encodeCloseReason } from '@parley/sdk/protocol';
import type { CloseReason, MemberInfo, UserInfo } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import { TokenError, revokes } from '../auth/tokens.js';
import { jitter } from '../sockets/jitter.js';
import { TokenBucket } from '../quotas/rate-limit.js';
import type { ServerContext } from '../context.js';
import { newSessionId } from '../rooms/ids.js';
import { canEdit, workspaceAccess } from './access.js';
import type { WorkspaceAccess } from './access.js';
import type { DocPeer, WorkspaceDoc } from './doc.js';
import { WorkspaceViolation, ackMessage, parseInbound, permissionDeniedMessage, protocolViolation, tooLarge } from './messages.js';
import type { WorkspaceRegistry } from './registry.js';
import type { WorkspaceSockets } from './sockets.js';

type State = 'opening' | 'open' | 'closing' | 'closed';

/** What the upgrade request said: the room, the token and whether the client understands acks. */
export interface WorkspaceRequest {
  room: string;
  token: string | null;
  /** The client negotiated the Parley subprotocol, so it gets ack messages. */
  acks: boolean;
}

/** What a workspace socket shares with the rest of the server. */
export interface WorkspaceHost {
  readonly server: ServerContext;
  readonly registry: WorkspaceRegistry;
  readonly sockets: WorkspaceSockets;
}

/** Messages a client may send before its document is open (a sync step 1, awareness, a few edits). */
const MAX_EARLY_MESSAGES = 64;
/** Timers longer than this cannot be scheduled by Node. */
const MAX_TIMER_MS = 2_147_483_647;

/** One workspace socket; see the module comment. */
export class WorkspaceConnection implements DocPeer {
  readonly id = newSessionId();
  readonly #ws: WebSocket;
  readonly #host: WorkspaceHost;
  readonly #request: WorkspaceRequest;
  readonly #bucket: TokenBucket;
  readonly #closed: Promise<void>;
  #log: Logger;
  #state: State = 'opening';
  #early: Uint8Array[] | null = [];
  #earlyBytes = 0;
  #user: UserInfo | null = null;
  /** When the socket's token was issued (epoch ms), for revocation. */
  #issuedAt: number | null = null;
  #doc: WorkspaceDoc | null = null;
  #access: WorkspaceAccess | null = null;
  #writable = false;
  /** Sync step 2 / update messages received, and the highest count acknowledged. */
  #received = 0;
  #acked = 0;
  #expiryTimer: NodeJS.Timeout | null = null;
  #muteTimer: NodeJS.Timeout | null = null;
  #killTimer: NodeJS.Timeout | null = null;
  #alive = true;

  /** Takes over an upgraded socket and starts opening the document. */
  constructor(ws: WebSocket, host: WorkspaceHost, request: WorkspaceRequest) {
    this.#ws = ws;
    this.#host = host;
    this.#request = request;
    this.#log = host.server.logger.child({ session: this.id, room: request.room });
    this.#bucket = new TokenBucket(host.server.options.limits.connectionRate, Date.now());
    host.sockets.add(this);
    this.#closed = new Promise((resolve) => {
      ws.on('close', (code: number) => {
        this.#onClose(code);
        resolve();
      });
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(data, isBinary));
    ws.on('error', (error: Error) => this.#log.warn({ err: error }, 'workspace socket error'));
    ws.on('pong', () => {
      this.#alive = true;
    });
    this.#open().catch((error: unknown) => this.#fail(error));
  }

  /** The authenticated user (an empty placeholder before authentication, never seen by a document). */
  get user(): UserInfo {
    return this.#user ?? { id: '', name: '' };
  }

  /** Resolves once the socket is closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Writes a message; dropped before the socket is open (the sync that follows covers it) and once closing. */
  send(message: Uint8Array): void {
    if (this.#state !== 'open' || this.#ws.readyState !== this.#ws.OPEN) return;
    this.#ws.send(message);
    if (this.#ws.bufferedAmount > this.#host.server.options.limits.maxBufferedBytes) {
      this.#log.warn({ buffered: this.#ws.bufferedAmount }, 'slow workspace consumer');
      this.close(CloseCode.SlowConsumer, { retryAfterMs: jitter(1_000, 5_000) });
    }
  }

  /** A `member` event about our user: removal closes the socket, a role or mute change re-decides editing. */
  memberChanged(member: MemberInfo, change: string): void {
    if (this.#state !== 'open' || !this.#access) return;
    if (change === 'left' || change === 'kicked' || change === 'banned') {
      this.close(CloseCode.WorkspaceForbidden, { code: ErrorCode.NotMember });
      return;
    }
    if (change !== 'updated') return;
    this.#setAccess({ ...this.#access, role: member.role, mutedUntil: member.mutedUntil });
  }

  /** The document can no longer serve this socket: closes with the violation's code and reason. */
  refuse(violation: WorkspaceViolation): void {
    this.#fail(violation);
  }

  /** The host ended `user`'s sessions as of `before` (epoch ms): closes this socket if its token is older. */
  sessionsRevoked(user: string, before: number): void {
    if (this.#user?.id !== user || !revokes(before, this.#issuedAt)) return;
    this.close(CloseCode.AuthFailed, { code: ErrorCode.SessionRevoked });
  }

  /** Closes with `code` and a JSON reason; cuts the socket if the client does not answer in time. */
  close(code: number, reason: CloseReason): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    this.#early = null;
    this.#clearTimers();
    this.#ws.close(code, encodeCloseReason(reason));
    this.#killTimer = setTimeout(() => this.#ws.terminate(), this.#host.server.options.timing.closeTimeoutMs);
    this.#killTimer.unref();
  }

  /** Server shutdown: closes with 1001 and a jittered `retryAfterMs`; resolves once closed. */
  async drain(): Promise<void> {
    this.close(CloseCode.GoingAway, { retryAfterMs: jitter(1_000, 5_000) });
    await this.#closed;
  }

  /** Liveness, every ping interval: a socket silent since the last ping is cut, others are pinged. */
  checkAlive(): void {
    if (this.#state === 'closed') return;
    if (!this.#alive) {
      this.#log.info('no pong; dropping the workspace socket');
      this.#ws.terminate();
      return;
    }
    this.#alive = false;
    try {
      this.#ws.ping();
    } catch {
      // Already closing; the close handler cleans up.
    }
  }

  // ── opening ─────────────────────────────────────────────────────────────────

  async #open(): Promise<void> {
    const { server, registry, sockets } = this.#host;
    const { room, token } = this.#request;
    if (!token) {
      this.close(CloseCode.AuthFailed, { code: ErrorCode.AuthFailed });
      return;
    }
    let verified;
    try {
      verified = await server.tokens.verify(token);
    } catch (error) {
      const code = error instanceof TokenError ? error.code : ErrorCode.AuthFailed;
      this.close(code === ErrorCode.TokenExpired ? CloseCode.TokenExpired : CloseCode.AuthFailed, { code });
      return;
    }
    if (this.#state !== 'opening') return;
    const user = verified.user;
    const coolingMs = sockets.coolingDown(user.id, Date.now());
    if (coolingMs > 0) {
      this.close(CloseCode.RateLimited, { code: ErrorCode.RateLimited, retryAfterMs: coolingMs });
      return;
    }
    if (sockets.count(user.id) >= server.options.limits.maxConnectionsPerUser) {
      this.close(CloseCode.TooManyConnections, { retryAfterMs: jitter(5_000, 15_000) });
      return;
    }
    this.#user = user;
    this.#issuedAt = verified.issuedAt;
    this.#log = this.#log.child({ user: user.id });
    sockets.bindUser(this, user.id);

    // Checked before loading (non-members never make us load anything) and again
    // after, since a kick published while loading reached no subscriber yet.
    if (!(await workspaceAccess(server.storage, room, user.id))) return this.#forbid();
    if (this.#state !== 'opening') return;
    const { doc, greeting } = await registry.open(room, this);
    this.#doc = doc;
    if (this.#state !== 'opening') {
      registry.leave(doc, this);
      return;
    }
    const access = await workspaceAccess(server.storage, room, user.id);
    if (this.#state !== 'opening') return;
    if (!access) return this.#forbid();

    this.#state = 'open';
    this.#setAccess(access);
    for (const message of greeting) this.send(message);
    if (verified.expiresAt !== null) this.#scheduleExpiry(verified.expiresAt - Date.now());
    this.#log.info({ writable: this.#writable }, 'workspace opened');
    const early = this.#early ?? [];
    this.#early = null;
    for (const bytes of early) {
      if (this.#state !== 'open') return;
      this.#handle(bytes);
    }
  }

  #forbid(): void {
    this.close(CloseCode.WorkspaceForbidden, { code: ErrorCode.NotMember });
  }

  /** Applies a (new) access level: read-only members are told once; becoming an editor needs a reconnect. */
  #setAccess(access: WorkspaceAccess): void {
    const now = Date.now();
    const first = this.#access === null;
    const wasWritable = this.#writable;
    this.#access = access;
    const writable = canEdit(access, now);
    if (this.#muteTimer) clearTimeout(this.#muteTimer);
    this.#muteTimer = null;
    if (!first && !wasWritable && writable) {
      // The client already marked itself read-only; a fresh socket is the one clear signal.
      this.close(CloseCode.WorkspaceAccessChanged, {});
      return;
    }
    this.#writable = writable;
    if (!writable && (first || wasWritable)) this.send(permissionDeniedMessage(READ_ONLY_REASON));
    // A mute ends by itself, without an event: look again when it does.
    const mutedUntil = access.mutedUntil;
    if (!writable && mutedUntil !== null && mutedUntil > now && mutedUntil - now < MAX_TIMER_MS) {
      this.#muteTimer = setTimeout(() => {
        if (this.#access) this.#setAccess(this.#access);
      }, mutedUntil - now + 1);
      this.#muteTimer.unref();
    }
  }

  #scheduleExpiry(delay: number): void {
    if (delay > MAX_TIMER_MS) return;
    this.#expiryTimer = setTimeout(
      () => this.close(CloseCode.TokenExpired, { code: ErrorCode.TokenExpired }),
      Math.max(0, delay),
    );
    this.#expiryTimer.unref();
  }

  // ── messages ────────────────────────────────────────────────────────────────

  #onMessage(data: RawData, isBinary: boolean): void {
    this.#alive = true;
    if (this.#state === 'closing' || this.#state === 'closed') return;
    try {
      const limits = this.#host.server.options.limits;
      const wait = this.#bucket.take(Date.now());
      if (wait > 0) {
        this.#log.warn('workspace client exceeds its message rate');
        this.close(CloseCode.RateLimited, { code: ErrorCode.RateLimited, retryAfterMs: Math.max(wait, 1_000) });
        return;
      }
      if (!isBinary) throw protocolViolation('text frames are not part of the workspace protocol');
      const bytes = ownedCopy(data);
      if (bytes.length > limits.maxWorkspaceMessageBytes) {
        throw tooLarge(ErrorCode.FrameTooLarge, `message exceeds ${limits.maxWorkspaceMessageBytes} bytes`);
      }
      if (this.#early !== null) {
        this.#earlyBytes += bytes.length;
        if (this.#early.length >= MAX_EARLY_MESSAGES || this.#earlyBytes > 2 * limits.maxWorkspaceMessageBytes) {
          throw protocolViolation('too much sent before the document was open');
        }
        this.#early.push(bytes);
        return;
      }
      this.#handle(bytes);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Handles one message of an open socket; throws a violation for bad input. */
  #handle(bytes: Uint8Array): void {
    const doc = this.#doc;
    if (!doc) return;
    const message = parseInbound(bytes);
    switch (message.kind) {
      case 'sync-step1':
        doc.syncStep2For(message.stateVector).then(
          (reply) => this.send(reply),
          (error: unknown) => this.#fail(error),
        );
        return;
      case 'sync-update': {
        const count = ++this.#received;
        if (!this.#writable) {
          // Dropped: neither applied nor relayed. Acked in order so the client's "pending" settles.
          void doc.whenHandled().then(() => this.#ack(count));
          return;
        }
        doc.receiveUpdate(message.update, this).then(
          () => this.#ack(count),
          (error: unknown) => {
            if (error instanceof WorkspaceViolation && error.reason.code === ErrorCode.UpdateTooComplex) this.#coolDown();
            if (error instanceof WorkspaceViolation) return this.#fail(error);
            this.#log.error({ err: error }, 'could not store a workspace update');
            this.close(CloseCode.InternalError, { code: ErrorCode.Internal, retryAfterMs: jitter(1_000, 5_000) });
          },
        );
        return;
      }
      case 'awareness': {
        const max = this.#host.server.options.limits.maxAwarenessBytes;
        if (message.update.length > max) throw tooLarge(ErrorCode.FrameTooLarge, `awareness exceeds ${max} bytes`);
        doc.applyAwareness(message.update, this);
        return;
      }
      case 'query-awareness':
        this.send(doc.awarenessSnapshot());
        return;
    }
  }

  /**
   * One of this user's updates was refused as too complex: each costs an
   * engine thread its budget and a restart, so the user's other workspace
   * sockets on this node close and new ones are refused for a while (4029).
   */
  #coolDown(): void {
    const user = this.#user?.id;
    if (user === undefined) return;
    const { sockets, server } = this.#host;
    const retryAfterMs = server.options.workspaces.refusalCooldownMs;
    sockets.coolDown(user, Date.now() + retryAfterMs);
    for (const socket of sockets.all as ReadonlySet<WorkspaceConnection>) {
      if (socket !== this && socket.user.id === user) socket.close(CloseCode.RateLimited, { code: ErrorCode.RateLimited, retryAfterMs });
    }
  }

  #ack(count: number): void {
    if (!this.#request.acks || count <= this.#acked) return;
    this.#acked = count;
    this.send(ackMessage(count));
  }

  /** Closes for a violation (expected: bad input) or an unexpected error; never throws. */
  #fail(error: unknown): void {
    if (error instanceof WorkspaceViolation) {
      this.#log.warn({ reason: error.message, code: error.closeCode }, 'closing workspace socket');
      this.close(error.closeCode, error.reason);
      return;
    }
    this.#log.error({ err: error }, 'workspace socket failed');
    this.close(CloseCode.InternalError, { code: ErrorCode.Internal, retryAfterMs: jitter(1_000, 5_000) });
  }

  // ── lifecycle ───────────────────────────────────────────────────────────────

  #clearTimers(): void {
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    if (this.#muteTimer) clearTimeout(this.#muteTimer);
    this.#expiryTimer = null;
    this.#muteTimer = null;
  }

  #onClose(code: number): void {
    this.#state = 'closed';
    this.#early = null;
    this.#clearTimers();
    if (this.#killTimer) clearTimeout(this.#killTimer);
    if (this.#doc) this.#host.registry.leave(this.#doc, this);
    this.#host.sockets.remove(this, this.#user?.id ?? null);
    this.#log.info({ code }, 'workspace socket closed');
  }
}

/** A copy in a buffer of its own: decoders must never see bytes of other messages sharing a pool. */
function ownedCopy(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  return new Uint8Array(data);
}
