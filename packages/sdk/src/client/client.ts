/**
 * `createClient()` and the {@link ParleyClient}: the application-level API.
 * Its parts are built and connected in `wiring.ts`; state reaches the store
 * through `state-publisher.ts`, server events through `event-router.ts`,
 * queued mutations the wire through `outbox-requests.ts`, and the device
 * cache lives in `device-storage.ts`.
 */
import type { Call } from '../call/index.js';
import { Room } from '../chat/room.js';
import type { RoomHost } from '../chat/room.js';
import type { RoomRegistry } from '../chat/room-registry.js';
import type { ConnectionStatus, Engine } from '../engine/engine.js';
import { decodeTokenClaims } from '../engine/token.js';
import type { TokenClaims } from '../engine/token.js';
import { ParleyError, toParleyError } from '../errors.js';
import { Emitter } from '../events.js';
import type { Listener } from '../events.js';
import type { GapCatchUp } from '../managers/gap-catch-up.js';
import type { Outbox } from '../managers/outbox.js';
import type { PresenceManager } from '../managers/presence.js';
import type { ReadStateManager } from '../managers/read-state.js';
import type { TypingManager } from '../managers/typing.js';
import type { PresenceInfo, RequestArgs, RequestResult, RequestType } from '../protocol/frames.js';
import type { Limits } from '../protocol/limits.js';
import type { AttachmentInfo, InvitationInfo, Message, PresenceStatus, RoomInfo, UserInfo } from '../protocol/model.js';
import { Store } from '../store/store.js';
import type { ReadableStore } from '../store/store.js';
import { defaultTimers, globalWebSocket } from '../transport/platform.js';
import type { Timers } from '../transport/platform.js';
import type { Workspace } from '../workspace/index.js';
import type { ClientEvents } from './client-events.js';
import { DeviceStorage } from './device-storage.js';
import { routeEvent } from './event-router.js';
import type { EventRoutes } from './event-router.js';
import { endpoints, uploadAttachment } from './http.js';
import type { Endpoints, UploadOptions } from './http.js';
import { LazyFeatures } from './lazy-features.js';
import type { ClientOptions } from './options.js';
import { applyOutboxAck, sendOutboxEntry } from './outbox-requests.js';
import { initialState } from './state.js';
import type { ClientState } from './state.js';
import { StatePublisher } from './state-publisher.js';
import { createParts } from './wiring.js';


const DEFAULT_HISTORY_CACHE = 200;
const DEFAULT_REQUEST_TIMEOUT = 30_000;
/** Network-driven state changes are published at most this often (about one frame). */
const PUBLISH_INTERVAL_MS = 16;

/** Creates a client; call {@link ParleyClient.connect} to start it. */
export function createClient(options: ClientOptions): ParleyClient {
  return new ParleyClient(options);
}

/** A Parley client; see the README for a tour. */
export class ParleyClient {
  /** The state store: `getState()` and `subscribe(selector, listener)`. */
  readonly store: ReadableStore<ClientState>;
  /** The server's endpoints. */
  readonly endpoints: Endpoints;

  private readonly state$ = new Store<ClientState>(initialState());
  private readonly events = new Emitter<ClientEvents>();
  private readonly engine: Engine;
  private readonly outbox: Outbox;
  private readonly typing: TypingManager;
  private readonly presence: PresenceManager;
  private readonly readState: ReadStateManager;
  private readonly registry: RoomRegistry;
  private readonly gaps: GapCatchUp;
  private readonly publisher: StatePublisher;
  private readonly storage: DeviceStorage;
  private readonly routes: EventRoutes;
  private readonly handles = new Map<string, Room>();
  private readonly host: RoomHost;
  private readonly timers: Timers;
  private readonly hasWebSocket: boolean;
  private opening: Promise<void> | null = null;
  private userId = '';
  private user: UserInfo | null = null;
  /** clientId → server id of sends acked in this session. */
  private readonly sentIds = new Map<string, string>();
  private lastError: ParleyError | null = null;
  /** Why the last `connect()` could not start, until the next one. */
  private startError: ParleyError | null = null;
  private readonly features: LazyFeatures;

  constructor(private readonly options: ClientOptions) {
    this.store = this.state$;
    this.endpoints = endpoints(options.url);
    this.timers = options.timers ?? defaultTimers;
    const WebSocket = options.WebSocket ?? globalWebSocket();
    this.hasWebSocket = WebSocket !== null;
    this.publisher = new StatePublisher({ timers: this.timers, intervalMs: PUBLISH_INTERVAL_MS, publish: () => this.publish() });
    this.storage = new DeviceStorage(options.offline, this.timers, (error) => this.events.emit('error', error));
    const parts = createParts(options, this.endpoints.ws, this.timers, WebSocket, {
      me: () => this.userId,
      writer: () => this.storage.writer,
      sentIds: this.sentIds,
      events: this.events,
      mutate: (fn) => this.mutate(fn),
      request: (type, args) => this.request(type, args),
      dispatch: (entry, messageId) => sendOutboxEntry((type, args) => this.engine.request(type, args), entry, messageId),
      resumed: () => this.resumed(),
    });
    this.engine = parts.engine;
    this.outbox = parts.outbox;
    this.typing = parts.typing;
    this.presence = parts.presence;
    this.readState = parts.readState;
    this.registry = parts.registry;
    this.gaps = parts.gaps;
    this.routes = {
      me: () => this.userId,
      registry: this.registry,
      readState: this.readState,
      typing: this.typing,
      presence: this.presence,
      invited: (invitation) => {
        this.dropInvitation(invitation.room);
        this.state$.patch({ invitations: [invitation, ...this.state.invitations] });
        this.events.emit('invitation', invitation);
      },
      uninvited: (room) => this.dropInvitation(room),
    };
    this.features = new LazyFeatures({
      options,
      wsUrl: this.endpoints.ws,
      timers: this.timers,
      store: this.state$,
      user: () => this.user,
      identify: async () => this.user ?? (await this.identify().then(({ userId, name }) => ({ id: userId, name }))),
      request: (type, args) => this.request(type, args),
      onEvent: (listener) => this.engine.on('event', listener),
      token: () => this.engine.getToken(),
    });
    this.host = {
      me: () => this.userId,
      store: this.store,
      outbox: this.outbox,
      registry: this.registry,
      typing: this.typing,
      limits: () => this.limits,
      request: (type, args) => this.request(type, args),
      mutate: (fn) => this.act(fn),
      settled: () => this.publisher.settled(),
    };

    this.engine.on('status', ({ status, error }) => this.connectionChanged(status, error));
    this.engine.on('welcome', (welcome) =>
      this.mutate(() => {
        this.userId = welcome.user.id;
        this.user = welcome.user;
      }),
    );
    this.engine.on('event', (frame) => this.mutate(() => routeEvent(frame, this.routes)));
    this.engine.on('error', (error) => this.events.emit('error', error));
    this.outbox.on('acked', ({ entry, result }) => this.mutate(() => applyOutboxAck(this.registry, this.sentIds, entry, result)));
    this.outbox.on('failed', ({ error }) => this.events.emit('error', error));
  }

  /** The current state (same as `store.getState()`). */
  get state(): ClientState {
    return this.state$.getState();
  }

  /** The server's limits once connected (null before). */
  get limits(): Limits | null {
    return this.engine.welcome?.limits ?? null;
  }

  /** Listens to a client event; returns a function that removes the listener. */
  on<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  /**
   * Loads the device cache into the store (so an offline page shows its
   * conversations and queued messages), then connects in the background.
   * Resolves once the cache is loaded; see {@link ParleyClient.whenOnline}.
   */
  connect(): Promise<void> {
    this.opening ??= this.open().catch((err: unknown) => {
      this.opening = null;
      // It cannot start (no user id, no token): as far as a UI can tell, it failed.
      this.connectionChanged('failed', (this.startError = toParleyError(err)));
      throw err;
    });
    return this.opening.then(() => {
      if (!this.hasWebSocket) throw new ParleyError('offline', 'no WebSocket implementation: pass the `WebSocket` option');
      this.engine.start();
      this.features.resume();
    });
  }

  /** Resolves when the client is online and caught up; rejects if the connection failed for good. */
  whenOnline(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (status: ConnectionStatus): boolean => {
        if (status === 'online') resolve();
        else if (status === 'failed') reject(this.state.lastError ?? new ParleyError('offline', 'connection failed'));
        else return false;
        return true;
      };
      if (check(this.state.connection)) return;
      const off = this.state$.subscribe(
        (s) => s.connection,
        (status) => {
          if (check(status)) off();
        },
      );
    });
  }

  /** Closes the connection. Queued mutations stay queued (and new ones can still be queued). */
  async disconnect(): Promise<void> {
    this.engine.stop();
    this.features.pause();
    this.outbox.stop();
    this.typing.reset();
    this.readState.stop();
    await this.storage.flush();
  }

  /**
   * Disconnects and releases the device storage; the in-memory state is
   * cleared. Queued mutations remain stored for the next client of this user.
   */
  async dispose(): Promise<void> {
    await this.disconnect();
    await this.closeStorage(false);
  }

  /** Disconnects and deletes everything this client stored on the device (outbox included). */
  async logout(): Promise<void> {
    await this.disconnect();
    await this.closeStorage(true);
  }

  /** The handle of a room (cheap; the same object for the same id). */
  room(id: string): Room {
    let handle = this.handles.get(id);
    if (!handle) this.handles.set(id, (handle = new Room(id, this.host)));
    return handle;
  }

  /** Creates a group, public, broadcast or workspace room (`room` picks a readable id instead of a generated one). */
  async createRoom(args: RequestArgs<'room.create'>): Promise<Room> {
    return this.roomFrom(await this.request('room.create', args));
  }

  /** The direct room with `user` (created on first use). */
  async directRoom(user: string): Promise<Room> {
    return this.roomFrom(await this.request('room.direct', { user }));
  }

  /** Joins a public room. */
  async joinRoom(id: string): Promise<Room> {
    return this.roomFrom(await this.request('room.join', { room: id }));
  }

  /** Accepts an invitation (`state.invitations`): the user becomes a member of the room. */
  async acceptInvitation(room: string): Promise<Room> {
    const handle = this.roomFrom(await this.request('room.accept', { room }));
    this.mutate(() => this.dropInvitation(room));
    return handle;
  }

  /** Declines an invitation; nobody else is told. */
  async declineInvitation(room: string): Promise<void> {
    await this.request('room.decline', { room });
    this.mutate(() => this.dropInvitation(room));
  }

  /** Reloads the pending invitations into `state.invitations` (the client also does after every reconnect). */
  async refreshInvitations(): Promise<readonly InvitationInfo[]> {
    const { invitations } = await this.request('invitations.list', {});
    this.mutate(() => this.state$.patch({ invitations }));
    return invitations;
  }

  /** Public rooms whose name matches `query`. */
  async discoverRooms(query?: string, limit?: number): Promise<RoomInfo[]> {
    const args: RequestArgs<'rooms.discover'> = {};
    if (query !== undefined) args.query = query;
    if (limit !== undefined) args.limit = limit;
    return (await this.request('rooms.discover', args)).rooms;
  }

  /** Full-text search in the rooms the user belongs to (or in one room). */
  async search(query: string, options: { room?: string; limit?: number } = {}): Promise<Message[]> {
    return (await this.request('search', { query, ...options })).messages;
  }

  /** Uploads a file for `room`; pass the result to `room.send(text, { attachments })`. */
  async upload(room: string, blob: Blob, name: string, options: UploadOptions = {}): Promise<AttachmentInfo> {
    const token = await this.engine.getToken();
    return uploadAttachment(this.options.fetch ?? globalThis.fetch, this.endpoints.http, token, room, blob, name, options);
  }

  /** A short-lived download URL for an attachment. */
  async attachmentUrl(attachmentId: string): Promise<string> {
    const { url } = await this.request('attachment.url', { attachmentId });
    return new URL(url, `${this.endpoints.http}/`).href;
  }

  /** Blocks a user (no direct messages either way). */
  async block(user: string): Promise<void> {
    await this.request('user.block', { user });
  }

  /** Unblocks a user. */
  async unblock(user: string): Promise<void> {
    await this.request('user.unblock', { user });
  }

  /** Sets our presence as others see it. */
  async setPresence(status: Exclude<PresenceStatus, 'offline'>): Promise<void> {
    await this.presence.setStatus(status);
  }

  /** Looks up users' presence (also kept in `state.presence`). */
  async fetchPresence(users: string[]): Promise<PresenceInfo[]> {
    return this.presence.fetch(users);
  }

  /**
   * The call of a room (the same handle for the same room); its state is
   * `state.calls[roomId]`. The first use loads the call code and
   * mediasoup-client, which chat-only pages never download.
   */
  call(roomId: string): Promise<Call> {
    return this.features.call(roomId);
  }

  /**
   * The shared document of a room (see the README's workspace section). The
   * same handle is returned for the same room until every caller released
   * it; its sync state is `state.workspaces[roomId]`. The first use loads
   * Yjs and the workspace code, which chat-only pages never download.
   */
  workspace(roomId: string): Promise<Workspace> {
    return this.features.workspace(roomId);
  }

  /**
   * Sends any protocol request and resolves with its result. Prefer the
   * typed methods; this is the escape hatch. Waits for a connection in
   * progress; rejects at once with a retryable error when offline.
   */
  request<T extends RequestType>(type: T, args: RequestArgs<T>): Promise<RequestResult<T>> {
    return this.engine.request(type, args, { timeoutMs: this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT });
  }

  private async open(): Promise<void> {
    this.startError = null;
    const { userId, name } = await this.identify();
    this.userId = userId;
    this.user = { id: userId, name };
    const snapshot = await this.storage.open(
      `parley:${this.endpoints.ws}:${userId}`,
      this.options.historyCacheSize ?? DEFAULT_HISTORY_CACHE,
    );
    this.act(() => {
      this.registry.reset();
      this.registry.load(snapshot);
      this.outbox.load(snapshot.outbox);
    });
  }

  /** Who the user is, before the server says so: the offline cache is per user. */
  private async identify(): Promise<{ userId: string; name: string }> {
    let claims: TokenClaims = {};
    try {
      claims = decodeTokenClaims(await this.engine.getToken());
    } catch (err) {
      // An unreachable token provider must not stop an offline start when the user is known.
      if (this.options.userId === undefined) throw toParleyError(err);
    }
    const userId = this.options.userId ?? claims.sub;
    if (!userId) throw new ParleyError('auth_failed', 'the token has no `sub`; pass the `userId` option');
    return { userId, name: claims.name ?? userId };
  }

  private async closeStorage(purge: boolean): Promise<void> {
    await this.opening?.catch(() => undefined);
    await this.features.close(purge, this.userId);
    const closeStore = this.storage.detach();
    this.opening = null;
    this.act(() => {
      if (purge) this.outbox.clear();
      else this.outbox.load([]);
      this.registry.reset();
      this.presence.clear();
      this.readState.clear();
      this.sentIds.clear();
      this.lastError = this.startError = null;
      this.user = null;
    });
    this.state$.setState({ ...initialState() });
    await closeStore(purge);
  }

  /** Runs a network-driven change; its state is published within a frame (see `state-publisher.ts`). */
  private mutate<T>(fn: () => T): T {
    return this.publisher.mutate(fn);
  }

  /** Runs a change the user made; its state is published at once. */
  private act<T>(fn: () => T): T {
    return this.publisher.act(fn);
  }

  private publish(): void {
    const previous = this.state$.getState();
    const rooms = this.registry.commit(previous.rooms);
    const { pending, failed } = this.outbox.counts();
    const next: ClientState = {
      ...previous,
      connection: this.startError ? 'failed' : this.engine.status,
      pending,
      failed,
      rooms: rooms ?? previous.rooms,
      unreadTotal: rooms ? this.registry.unreadTotal() : previous.unreadTotal,
      presence: this.presence.snapshot,
      lastError: this.lastError,
    };
    next.user = this.user;
    this.state$.patch(next);
  }

  private connectionChanged(status: ConnectionStatus, error: ParleyError | null): void {
    this.act(() => {
      if (error) this.lastError = error;
      if (status === 'online') this.lastError = null;
      if (status !== 'online') this.outbox.stop();
      if (status === 'offline' || status === 'failed' || status === 'idle') {
        this.typing.reset();
        this.readState.stop();
        this.gaps.stop();
      }
    });
    this.events.emit('connection', { status, error });
  }

  private resumed(): void {
    // A gap the resume could not close (its sync was refused) is tried again later.
    if (this.registry.gapped().length > 0) this.gaps.noticed();
    this.outbox.start();
    this.readState.flush();
    this.presence.resumed(this.registry.directPeers());
    this.refreshInvitations().catch(() => undefined);
    for (const room of this.registry.roomsNeedingMarkers()) {
      this.room(room)
        .members()
        .catch(() => undefined);
    }
  }

  private dropInvitation(room: string): void {
    const invitations = this.state.invitations;
    if (invitations.some((i) => i.room === room)) this.state$.patch({ invitations: invitations.filter((i) => i.room !== room) });
  }

  private roomFrom(result: { room: RoomInfo }): Room {
    this.act(() => this.registry.setInfo(result.room));
    return this.room(result.room.id);
  }
}
