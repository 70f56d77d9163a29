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
 *
 * Liveness, closing, drain, the slow-consumer guard, expiry and revocation
 * come from `ManagedSocket`; the set of workspace sockets forgets a socket
 * when the workspace observer hears it closed (wired in `endpoint.ts`).
 */
import type { RawData, WebSocket } from 'ws';
import { CloseCode, ErrorCode, READ_ONLY_REASON } from '@parley/sdk/protocol';
import type { MemberInfo, UserInfo } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import { TokenError } from '../auth/tokens.js';
import { jitter } from '../sockets/jitter.js';
import { ManagedSocket } from '../sockets/managed-socket.js';
import type { ManagedSocketServices, SocketWording } from '../sockets/managed-socket.js';
import { TokenBucket } from '../quotas/rate-limit.js';
import type { ServerContext } from '../context.js';
import { canEdit, workspaceAccess } from './access.js';
import type { WorkspaceAccess } from './access.js';
import type { DocPeer, WorkspaceDoc } from './doc.js';
import { WorkspaceViolation, ackMessage, parseInbound, permissionDeniedMessage, protocolViolation, tooLarge } from './messages.js';
import type { WorkspaceRegistry } from './registry.js';
import type { WorkspaceSockets } from './sockets.js';

/** What the upgrade request said: the room, the token and whether the client understands acks. */
export interface WorkspaceRequest {
  room: string;
  token: string | null;
  /** The client negotiated the Parley subprotocol, so it gets ack messages. */
  acks: boolean;
}

/** What a workspace socket shares with the rest of the server. */
export interface WorkspaceHost extends ManagedSocketServices {
  /** Tokens and storage (its `options` are the base's). */
  readonly server: ServerContext;
  /** Workspace sockets are not counted in the node's outbound budget. */
  readonly outbound: null;
  readonly registry: WorkspaceRegistry;
  readonly sockets: WorkspaceSockets;
}

/** Messages a client may send before its document is open (a sync step 1, awareness, a few edits). */
const MAX_EARLY_MESSAGES = 64;
/** Timers longer than this cannot be scheduled by Node. */
const MAX_TIMER_MS = 2_147_483_647;

const WORDING: SocketWording = {
  error: 'workspace socket error',
  noPong: 'no pong; dropping the workspace socket',
  slowConsumer: 'slow workspace consumer',
};

/** One workspace socket; see the module comment. */
export class WorkspaceConnection extends ManagedSocket<WorkspaceHost> implements DocPeer {
  readonly #request: WorkspaceRequest;
  readonly #bucket: TokenBucket;
  #log: Logger;
  #early: Uint8Array[] | null = [];
  #earlyBytes = 0;
  #doc: WorkspaceDoc | null = null;
  #access: WorkspaceAccess | null = null;
  #writable = false;
  /** Sync step 2 / update messages received, and the highest count acknowledged. */
  #received = 0;
  #acked = 0;
  #muteTimer: NodeJS.Timeout | null = null;

  /** Takes over an upgraded socket and starts opening the document. */
  constructor(ws: WebSocket, host: WorkspaceHost, request: WorkspaceRequest) {
    super(ws, host);
    this.#request = request;
    this.#log = host.server.logger.child({ session: this.id, room: request.room });
    this.#bucket = new TokenBucket(host.server.options.limits.connectionRate, Date.now());
    host.sockets.add(this);
    this.#open().catch((error: unknown) => this.#fail(error));
  }

  protected get log(): Logger {
    return this.#log;
  }

  protected get wording(): SocketWording {
    return WORDING;
  }

  /** The authenticated user (an empty placeholder before authentication, never seen by a document). */
  override get user(): UserInfo {
    return super.user ?? { id: '', name: '' };
  }

  /** The authenticated user's id; null before authentication (the set of sockets counts only bound users). */
  get boundUser(): string | null {
    return super.user?.id ?? null;
  }

  /** Writes a message; dropped before the socket is open (the sync that follows covers it) and once closing. */
  send(message: Uint8Array): void {
    if (this.state !== 'open' || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(message);
    this.wrote();
  }

  /** A `member` event about our user: removal closes the socket, a role or mute change re-decides editing. */
  memberChanged(member: MemberInfo, change: string): void {
    if (this.state !== 'open' || !this.#access) return;
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

  // ── opening ─────────────────────────────────────────────────────────────────

  async #open(): Promise<void> {
    const { server, registry, sockets } = this.services;
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
    if (this.state !== 'opening') return;
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
    this.authenticated(user, verified.issuedAt);
    this.#log = this.#log.child({ user: user.id });
    sockets.bindUser(this, user.id);

    // Checked before loading (non-members never make us load anything) and again
    // after, since a kick published while loading reached no subscriber yet.
    if (!(await workspaceAccess(server.storage, room, user.id))) return this.#forbid();
    if (this.state !== 'opening') return;
    const { doc, greeting } = await registry.open(room, this);
    this.#doc = doc;
    if (this.state !== 'opening') {
      registry.leave(doc, this);
      return;
    }
    const access = await workspaceAccess(server.storage, room, user.id);
    if (this.state !== 'opening') return;
    if (!access) return this.#forbid();

    this.opened();
    this.#setAccess(access);
    for (const message of greeting) this.send(message);
    this.watchExpiry(verified.expiresAt);
    this.#log.info({ writable: this.#writable }, 'workspace opened');
    const early = this.#early ?? [];
    this.#early = null;
    for (const bytes of early) {
      // A message handled before may have closed the socket (TypeScript keeps the narrowing from above).
      if (!this.#isOpen()) return;
      this.#handle(bytes);
    }
  }

  #isOpen(): boolean {
    return this.state === 'open';
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

  // ── messages ────────────────────────────────────────────────────────────────

  protected received(data: RawData, isBinary: boolean): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    try {
      const limits = this.services.server.options.limits;
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
        const max = this.services.server.options.limits.maxAwarenessBytes;
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
    const user = this.boundUser;
    if (user === null) return;
    const { sockets, server } = this.services;
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

  protected override closing(): void {
    this.#early = null;
    this.#clearMuteTimer();
  }

  protected override released(code: number): void {
    this.#early = null;
    this.#clearMuteTimer();
    if (this.#doc) this.services.registry.leave(this.#doc, this);
    this.#log.info({ code }, 'workspace socket closed');
  }

  #clearMuteTimer(): void {
    if (this.#muteTimer) clearTimeout(this.#muteTimer);
    this.#muteTimer = null;
  }
}

/** A copy in a buffer of its own: decoders must never see bytes of other messages sharing a pool. */
function ownedCopy(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  return new Uint8Array(data);
}
