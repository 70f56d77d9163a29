/**
 * Calls and workspaces as the client offers them. Each feature's registry is
 * created on first use from the code the feature loaders fetch (so chat-only
 * pages never download mediasoup-client or Yjs), and reaches the client only
 * through the host built here.
 */
import type { Call, CallHost, CallRegistry } from '../call/index.js';
import { toParleyError } from '../errors.js';
import { hasIndexedDb } from '../offline/indexeddb.js';
import { purgeWorkspaceDatabases, workspaceDatabasePrefix } from '../offline/workspace-databases.js';
import type { EventFrame } from '../protocol/frames.js';
import type { UserInfo } from '../protocol/model.js';
import { WORKSPACE_PATH } from '../protocol/workspace.js';
import type { Store } from '../store/store.js';
import { globalWebSocket } from '../transport/platform.js';
import type { Timers } from '../transport/platform.js';
import type { Workspace, WorkspaceHost, WorkspaceRegistry, WorkspaceState } from '../workspace/index.js';
import type { ProtocolWebSocketConstructor } from '../workspace/workspace-socket.js';
import { featureLoaders } from './feature-loaders.js';
import type { FeatureLoaders } from './feature-loaders.js';
import type { ClientOptions } from './options.js';
import type { Requester } from './outbox-requests.js';
import type { ClientState } from './state.js';

/** What the features may use of the client. */
export interface FeatureContext {
  readonly options: ClientOptions;
  /** The chat socket: `ws(s)://host/…/v1/ws`. */
  readonly wsUrl: string;
  readonly timers: Timers;
  /** The client's store; each feature writes its own slice (`calls`, `workspaces`). */
  readonly store: Store<ClientState>;
  /** The signed-in user (null before it is known). */
  user(): UserInfo | null;
  /** The signed-in user, read from the token when the server has not said yet. */
  identify(): Promise<UserInfo>;
  /** A request with the client's timeout. */
  request: Requester;
  /** Subscribes to the server's events; returns the unsubscribe function. */
  onEvent(listener: (frame: EventFrame) => void): () => void;
  /** The chat connection's current token. */
  token(): Promise<string>;
}

/** See the module comment. */
export class LazyFeatures {
  private calls: Promise<CallRegistry> | null = null;
  private workspaces: Promise<WorkspaceRegistry> | null = null;

  constructor(
    private readonly ctx: FeatureContext,
    private readonly loaders: FeatureLoaders = featureLoaders,
  ) {}

  /** The call of a room (the same handle for the same room). */
  call(roomId: string): Promise<Call> {
    this.calls ??= this.loaders.call().then(
      ({ CallRegistry }) => new CallRegistry(this.callHost()),
      (err: unknown) => {
        this.calls = null;
        throw toParleyError(err);
      },
    );
    return this.calls.then((registry) => registry.get(roomId));
  }

  /** The shared document of a room; each call must be matched by one `release()`. */
  workspace(roomId: string): Promise<Workspace> {
    this.workspaces ??= this.loaders.workspace().then(
      ({ WorkspaceRegistry }) => new WorkspaceRegistry(this.workspaceHost()),
      (err: unknown) => {
        this.workspaces = null;
        throw toParleyError(err);
      },
    );
    return this.workspaces.then((registry) => registry.get(roomId));
  }

  /** The client connects: open workspaces reconnect their sockets. */
  resume(): void {
    this.workspaces?.then((registry) => registry.resume(), () => undefined);
  }

  /** The client disconnects: open workspaces close their sockets. */
  pause(): void {
    this.workspaces?.then((registry) => registry.pause(), () => undefined);
  }

  /** Closes every workspace (dispose, logout); `purge` deletes `userId`'s device copies, open or not. */
  async close(purge: boolean, userId: string): Promise<void> {
    const workspaces = this.workspaces;
    this.workspaces = null;
    await (await workspaces?.catch(() => null))?.close(purge);
    // Documents not open in this page are on the device too.
    if (purge && userId) {
      const prefix = workspaceDatabasePrefix(this.workspaceUrl(), userId);
      const store = this.workspaceHost().localStore;
      if (store === 'indexeddb') await purgeWorkspaceDatabases(prefix);
      else if (store) await store.purge(prefix);
    }
  }

  /** What the call code may use of this client. */
  private callHost(): CallHost {
    const { ctx } = this;
    return {
      me: () => ctx.user(),
      request: (type, args) => ctx.request(type, args),
      onEvent: (listener) => ctx.onEvent(listener),
      store: ctx.store,
      publish: (room, state) => ctx.store.patch({ calls: { ...ctx.store.getState().calls, [room]: state } }),
      timers: ctx.timers,
      media: ctx.options.mediaDevices,
    };
  }

  /** `ws(s)://host/…/v1/yjs`, beside the chat socket. */
  private workspaceUrl(): string {
    return `${this.ctx.wsUrl.replace(/\/v1\/ws$/, '')}${WORKSPACE_PATH}`;
  }

  /** What the workspace code may use of this client. */
  private workspaceHost(): WorkspaceHost {
    const { ctx } = this;
    const { options } = ctx;
    const store = options.workspaceStore;
    return {
      url: this.workspaceUrl(),
      identity: () => ctx.identify(),
      token: async (fresh) => {
        const source = options.token;
        return fresh && typeof source === 'function' ? source() : ctx.token();
      },
      WebSocket: (options.WebSocket ?? globalWebSocket()) as ProtocolWebSocketConstructor | null,
      localStore:
        store === 'memory' || (store === undefined && (options.offline === 'memory' || !hasIndexedDb()))
          ? null
          : (store ?? 'indexeddb'),
      publish: (room, state) => this.publishWorkspace(room, state),
      timers: ctx.timers,
    };
  }

  private publishWorkspace(room: string, state: WorkspaceState | null): void {
    const { store } = this.ctx;
    const workspaces = { ...store.getState().workspaces };
    if (state) workspaces[room] = state;
    else delete workspaces[room];
    const pendingDocuments = Object.values(workspaces).filter((w) => w.pending).length;
    store.patch({ workspaces, pendingDocuments });
  }
}
