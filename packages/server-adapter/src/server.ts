/**
 * `createServer`: wires storage, bus, auth, connections and HTTP routes into
 * a server that listens on its own port or mounts into a host's HTTP server.
 */
import { mkdir } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import { CloseCode, ErrorCode, WORKSPACE_PATH, encodeCloseReason } from '@parley/sdk/protocol';
import { AdminService } from './admin/admin-service.js';
import type { AdminApi } from './admin/admin-api.js';
import { isLoopbackHost } from './auth/loopback.js';
import { AttachmentFiles } from './attachments/attachment-files.js';
import { BlobEraser } from './attachments/blob-eraser.js';
import { isOriginAllowed } from './auth/origin.js';
import { announceRevocation, closeRevokedSessions } from './auth/revocations.js';
import { createTokenService } from './auth/tokens.js';
import type { TokenService } from './auth/tokens.js';
import type { Bus } from './bus/bus.js';
import { CallCluster } from './calls/call-cluster.js';
import { localCallHandlers } from './calls/call-handlers.js';
import { CallService } from './calls/call-service.js';
import { Connection } from './connection/connection.js';
import { ConnectionRegistry } from './connection/registry.js';
import type { ServerContext } from './context.js';
import { createDispatch } from './dispatch.js';
import type { Dispatch, HandlerServices } from './handlers/services.js';
import { HealthMonitor } from './health.js';
import { AttachmentUrls, urlKey } from './http/attachment-urls.js';
import { createHttpHandler } from './http/routes.js';
import type { HttpHandler } from './http/routes.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { ConfigError, resolveOptions } from './options.js';
import type { ResolvedOptions, ServerOptions } from './options.js';
import { Presence } from './presence/presence.js';
import { Quotas } from './quotas/quotas.js';
import { UploadExpiry } from './quotas/upload-expiry.js';
import { Publisher } from './rooms/publisher.js';
import { RetentionTimer } from './rooms/retention.js';
import { defaultBus, defaultCallDirectory, defaultStorage } from './scale-out.js';
import { Hub } from './sockets/hub.js';
import { jitter } from './sockets/jitter.js';
import { SocketObserver } from './sockets/managed-socket.js';
import type { ManagedSocket } from './sockets/managed-socket.js';
import { OutboundBudget } from './sockets/outbound-budget.js';
import type { BudgetedSocket } from './sockets/outbound-budget.js';
import type { Storage } from './storage/storage.js';
import { WorkspaceEndpoint, workspaceRoomOf } from './workspaces/endpoint.js';

/** The default WebSocket path. */
export const WS_PATH = '/v1/ws';

/** Where `listen()` ended up. */
export interface ListenResult {
  port: number;
  /** `http://host:port`, for logs and clients. */
  url: string;
}

/** Options of {@link ParleyServer.attach}. */
export interface AttachOptions {
  /** WebSocket path; default `/v1/ws`. */
  path?: string;
  /** Path prefix of workspace (y-websocket) sockets, `<prefix>/<roomId>`; default `/v1/yjs`. */
  workspacePath?: string;
}

/** A Parley server. Start it with `listen()` or `attach()`, stop it with `close()`. */
export interface ParleyServer {
  /** Listens on its own HTTP server (default port 8787, host 127.0.0.1; port 0 picks a free one). */
  listen(port?: number, host?: string): Promise<ListenResult>;
  /**
   * Mounts into an existing Node HTTP server: handles upgrades on `path` and
   * the Parley HTTP routes; every other request reaches the host's own listeners.
   */
  attach(httpServer: HttpServer, options?: AttachOptions): Promise<void>;
  /**
   * Ends every session of `user`, on every node: their open chat and
   * workspace sockets close with 4001 (reason `session_revoked`), and tokens
   * issued before now are refused from now on. Tokens issued afterwards work
   * (the host decides whether to give the user one). Resolves once stored.
   */
  revokeSessions(user: string): Promise<void>;
  /**
   * The admin operations for a host that embeds the server in its own
   * process: the same as the `/v1/admin/` routes, without HTTP or keys.
   * Each starts the server's services if needed; failures are `RequestError`s
   * carrying the protocol's error code.
   */
  readonly admin: AdminApi;
  /**
   * Graceful stop: `/healthz` answers 503, new sockets are refused, frames
   * already received are finished, sockets close with 1001 and a jittered
   * `retryAfterMs`, then the bus and storage close.
   */
  close(): Promise<void>;
}

/** Creates a server; nothing runs until `listen()` or `attach()`. Throws `ConfigError` for unusable options. */
export function createServer(options: ServerOptions): ParleyServer {
  return new Server(options);
}

/** The services of one server: what its handlers, sockets and HTTP routes use. */
class Context implements ServerContext {
  draining = false;
  readonly observer = new SocketObserver();
  /** Set once the request table is built (it needs the call cluster, which needs these services). */
  dispatch: Dispatch = () => Promise.reject(new Error('requests are not served yet'));
  constructor(
    readonly options: ResolvedOptions,
    readonly storage: Storage,
    readonly logger: Logger,
    readonly metrics: Metrics,
    readonly tokens: TokenService,
    readonly hub: Hub,
    readonly publisher: Publisher,
    readonly presence: Presence,
    readonly connections: ConnectionRegistry<ManagedSocket>,
    readonly attachmentUrls: AttachmentUrls,
    readonly attachments: AttachmentFiles,
    readonly eraser: BlobEraser,
    readonly calls: CallService,
    readonly outbound: OutboundBudget,
    readonly health: HealthMonitor,
    readonly quotas: Quotas,
  ) {}

  get requestServices(): HandlerServices {
    return this;
  }
}

interface Running {
  ctx: Context;
  admin: AdminService;
  handler: HttpHandler;
  retention: RetentionTimer;
  uploadExpiry: UploadExpiry;
  liveness: NodeJS.Timeout;
  workspaces: WorkspaceEndpoint;
  callCluster: CallCluster | null;
  webhooks: WebhookDispatcher | null;
}

class Server implements ParleyServer {
  readonly #options: ResolvedOptions;
  readonly #raw: ServerOptions;
  readonly #logger: Logger;
  readonly #storage: Storage;
  readonly #bus: Bus;
  readonly #wss: WebSocketServer;
  #starting: Promise<Running> | null = null;
  #closing: Promise<void> | null = null;
  #ownHttp: HttpServer | null = null;
  #detach: Array<() => void> = [];
  #wsPath = WS_PATH;
  #workspacePath = WORKSPACE_PATH;
  readonly admin: AdminApi = {
    upsertUser: async (id, fields) => (await this.#start()).admin.upsertUser(id, fields),
    mintToken: async (id, options) => (await this.#start()).admin.mintToken(id, options),
    revokeSessions: async (id) => (await this.#start()).admin.revokeSessions(id),
    createRoom: async (input) => (await this.#start()).admin.createRoom(input),
    updateRoom: async (id, patch) => (await this.#start()).admin.updateRoom(id, patch),
    putMember: async (room, user, input) => (await this.#start()).admin.putMember(room, user, input),
    removeMember: async (room, user) => (await this.#start()).admin.removeMember(room, user),
    postMessage: async (room, input) => (await this.#start()).admin.postMessage(room, input),
    history: async (room, options) => (await this.#start()).admin.history(room, options),
  };

  constructor(options: ServerOptions) {
    this.#raw = options;
    this.#options = resolveOptions(options);
    this.#logger = createLogger(options.logger);
    this.#storage = defaultStorage(options, this.#options.dataDir, this.#options.encryptionKey);
    this.#bus = defaultBus(options, this.#storage, this.#logger);
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#options.limits.hardMaxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  async listen(port = 8787, host = '127.0.0.1'): Promise<ListenResult> {
    const auth = this.#options.auth;
    if (auth.dev && !auth.devAllowRemote && !isLoopbackHost(host)) {
      throw new ConfigError(
        `dev mode mints tokens for anyone who can reach the server, so it listens on loopback only; ` +
          `${host} is not. Use 127.0.0.1, or set auth.devAllowRemote (CLI: --dev-allow-remote) if you really mean it.`,
      );
    }
    const running = await this.#start();
    const http = createHttpServer((req, res) => running.handler(req, res, () => notFound(res)));
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!this.#upgrade(running, req, socket, head)) refuseUpgrade(socket, 404, 'Not Found');
    });
    http.on('clientError', (_error, socket: Duplex) => socket.destroy());
    this.#ownHttp = http;
    await new Promise<void>((resolvePromise, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => {
        http.off('error', reject);
        resolvePromise();
      });
    });
    const address = http.address();
    const actualPort = typeof address === 'object' && address ? address.port : port;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    this.#logger.info({ port: actualPort, host }, 'listening');
    return { port: actualPort, url: `http://${shownHost}:${actualPort}` };
  }

  async attach(httpServer: HttpServer, options: AttachOptions = {}): Promise<void> {
    const running = await this.#start();
    this.#wsPath = options.path ?? WS_PATH;
    this.#workspacePath = options.workspacePath ?? WORKSPACE_PATH;
    // Take over 'request' so the host's handlers see only what we do not serve.
    const hostListeners = httpServer.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
    httpServer.removeAllListeners('request');
    const onRequest = (req: IncomingMessage, res: ServerResponse): void =>
      running.handler(req, res, () => {
        if (hostListeners.length === 0) return notFound(res);
        for (const listener of hostListeners) listener.call(httpServer, req, res);
      });
    httpServer.on('request', onRequest);
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if (this.#upgrade(running, req, socket, head)) return;
      // Another path: leave it to the host's upgrade listeners, if any.
      if (httpServer.listenerCount('upgrade') <= 1) refuseUpgrade(socket, 404, 'Not Found');
    };
    httpServer.on('upgrade', onUpgrade);
    this.#detach.push(() => {
      httpServer.off('upgrade', onUpgrade);
      httpServer.off('request', onRequest);
      for (const listener of hostListeners) httpServer.on('request', listener);
    });
    this.#logger.info({ path: this.#wsPath }, 'attached');
  }

  async revokeSessions(user: string): Promise<void> {
    await this.#start();
    await this.#revokeStarted(user);
  }

  async #revokeStarted(user: string): Promise<void> {
    const before = Date.now();
    await this.#storage.revokeSessions(user, before);
    await announceRevocation(this.#bus, user, before);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  // ── internals ──────────────────────────────────────────────────────────────

  #start(): Promise<Running> {
    if (this.#closing) return Promise.reject(new Error('the server is closed'));
    this.#starting ??= this.#init();
    return this.#starting;
  }

  async #init(): Promise<Running> {
    const options = this.#options;
    const dataDir = resolve(options.dataDir);
    await mkdirPrivate(dataDir);
    await this.#storage.open();
    const attachments = new AttachmentFiles(resolve(options.attachmentsDir), options.encryptionKey);
    await attachments.prepare();
    const eraser = new BlobEraser(this.#storage, attachments, this.#logger);
    const tokens = await createTokenService(options.auth, dataDir);
    tokens.checkRevocationsWith((user) => this.#storage.sessionsRevokedBefore(user));
    const metrics = new Metrics();
    const publisher = new Publisher(this.#bus, this.#logger);
    const connections = new ConnectionRegistry<ManagedSocket>(options.limits.userRate);
    const presence = new Presence(
      this.#storage,
      publisher,
      this.#logger,
      {
        timeoutMs: options.timing.presenceTimeoutMs,
        sweepMs: options.timing.presenceSweepMs,
        pushMaxMembers: options.presencePushMaxMembers,
        batchMs: options.timing.presenceBatchMs,
      },
      (user) => connections.count(user),
      // Presence digests go between nodes only when there are other nodes to hear them.
      this.#bus.local ? undefined : this.#bus,
    );
    const callDirectory = defaultCallDirectory(this.#raw, options, this.#logger);
    const urls = new AttachmentUrls(urlKey(this.#raw.urlSecret, options.auth.secret), options.timing.attachmentUrlTtlMs);
    const ctx = new Context(
      options,
      this.#storage,
      this.#logger,
      metrics,
      tokens,
      new Hub(this.#bus),
      publisher,
      presence,
      connections,
      urls,
      attachments,
      eraser,
      new CallService(options.calls, options.limits, options.quotas, this.#logger, metrics.registry, callDirectory),
      new OutboundBudget<BudgetedSocket>(
        options.maxQueuedBytes,
        () => connections.all,
        (connection, queuedBytes) => {
          this.#logger.warn({ session: connection.id, queuedBytes }, 'node over maxQueuedBytes; shedding a slow consumer');
          metrics.queuedCapCloses.inc();
        },
      ),
      new HealthMonitor(this.#bus, this.#storage, options.timing.healthProbeMs),
      new Quotas(options.limits, options.quotas, this.#storage),
    );
    metrics.measureQueuedWith(() => ctx.outbound.measure());
    // Always told, so that a node without endpoints stops the recording of events too.
    await this.#storage.configureWebhooks({ urls: options.webhooks.urls, unreadDelayMs: options.webhooks.unreadDelayMs });
    if (options.webhooks.urls.length > 0) metrics.measureWebhookQueueWith(() => this.#storage.webhookQueueDepth());
    const webhooks =
      options.webhooks.urls.length > 0
        ? new WebhookDispatcher({
            storage: this.#storage,
            options: options.webhooks,
            logger: this.#logger,
            count: (result) => metrics.webhookDeliveries.inc({ result }),
          })
        : null;
    // Several nodes: requests for calls another node hosts are forwarded there.
    const callCluster = callDirectory
      ? new CallCluster({ services: ctx, bus: this.#bus, directory: callDirectory, handlers: localCallHandlers, logger: this.#logger })
      : null;
    ctx.calls.cluster = callCluster;
    ctx.dispatch = createDispatch(callCluster);
    followChatSockets(ctx);
    const retention = new RetentionTimer(ctx, options.retentionIntervalMs);
    const uploadExpiry = new UploadExpiry({
      storage: this.#storage,
      logger: this.#logger,
      eraseFiles: () => eraser.run(),
      ttlMs: options.quotas.uploadTtlMs,
      intervalMs: options.quotas.uploadSweepMs,
    });
    // Documents are shared with other nodes only when there are other nodes.
    const workspaces = new WorkspaceEndpoint(ctx, this.#bus.local ? undefined : this.#bus);
    presence.start();
    retention.start();
    ctx.health.start();
    // Files whose erasure a crash interrupted.
    void eraser.run();
    uploadExpiry.start();
    webhooks?.start();
    ctx.calls.start();
    const liveness = setInterval(() => {
      for (const connection of connections.all) connection.checkAlive();
      workspaces.checkAlive();
    }, options.timing.pingIntervalMs);
    liveness.unref();
    this.#detach.push(closeRevokedSessions(this.#bus, () => [...connections.all, ...workspaces.sockets]));
    if (tokens.dev) this.#logger.warn('dev mode: POST /v1/dev/token mints tokens for anyone on this machine');
    const admin = new AdminService({
      storage: this.#storage,
      publisher,
      tokens,
      limits: options.limits,
      logger: this.#logger,
      revoke: (user) => this.#revokeStarted(user),
    });
    const running: Running = { ctx, admin, handler: createHttpHandler(ctx, () => this.#wsPath, admin), retention, uploadExpiry, liveness, workspaces, callCluster, webhooks };
    return running;
  }

  /** Handles an upgrade on our paths (chat socket, workspace sockets); returns false for other paths. */
  #upgrade(running: Running, req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = pathOf(req.url);
    const room = path === null ? undefined : workspaceRoomOf(path, this.#workspacePath);
    if (path !== this.#wsPath && room === undefined) return false;
    if (running.ctx.draining) {
      refuseUpgrade(socket, 503, 'Service Unavailable');
      return true;
    }
    if (room !== undefined) {
      running.workspaces.upgrade(req, socket, head, room);
      return true;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (!isOriginAllowed(req, running.ctx.options.originPolicy)) {
        this.#logger.warn({ origin: req.headers.origin, remote: running.ctx.options.proxyTrust.clientAddress(req) }, 'origin refused');
        ws.on('error', () => undefined);
        ws.close(CloseCode.OriginForbidden, encodeCloseReason({ code: ErrorCode.OriginForbidden }));
        return;
      }
      if (running.ctx.connections.all.size >= running.ctx.options.maxConnections) {
        // Shed load: tell the client when to come back, spread out so they do not return at once.
        this.#logger.warn({ open: running.ctx.connections.all.size }, 'connection limit reached; shedding');
        running.ctx.metrics.shed.inc();
        ws.on('error', () => undefined);
        ws.close(CloseCode.TryAgainLater, encodeCloseReason({ code: ErrorCode.Unavailable, retryAfterMs: jitter(5_000, 30_000) }));
        return;
      }
      new Connection(ws, running.ctx, running.ctx.options.proxyTrust.clientAddress(req));
    });
    return true;
  }

  async #close(): Promise<void> {
    const running = this.#starting ? await this.#starting.catch(() => null) : null;
    if (running) {
      const { ctx } = running;
      ctx.draining = true;
      clearInterval(running.liveness);
      ctx.health.stop();
      ctx.presence.stop();
      await running.retention.stop();
      await running.uploadExpiry.stop();
      await running.webhooks?.stop();
      await Promise.all([...ctx.connections.all].map((connection) => connection.drain()));
      await ctx.eraser.idle();
      // Local sockets are closed; participants forwarded from other nodes hear `call.rejoin`. This stops the media workers.
      ctx.calls.close();
      running.callCluster?.close();
      await ctx.calls.directory.close();
      // Documents are compacted before the bus and storage close.
      await running.workspaces.close();
    }
    for (const detach of this.#detach) detach();
    this.#detach = [];
    this.#wss.close();
    const http = this.#ownHttp;
    if (http) {
      await new Promise<void>((resolvePromise) => {
        http.close(() => resolvePromise());
        http.closeIdleConnections();
        const timer = setTimeout(() => http.closeAllConnections(), this.#options.timing.closeTimeoutMs);
        timer.unref();
      });
    }
    await this.#bus.close();
    if (running) await this.#storage.close();
    this.#logger.info('closed');
  }
}

/**
 * What follows the chat sockets: presence hears of users coming and going
 * (not while the server drains: those users come back on another node), the
 * calls of a socket end with it or with its user's membership of the room,
 * and the registry forgets it.
 */
function followChatSockets(ctx: Context): void {
  const { observer, calls, connections, presence } = ctx;
  observer.on('open', (socket, now) => {
    const user = socket.user;
    if (user) presence.connected(user.id, now);
  });
  observer.on('roomLeft', (socket, room) => {
    const user = socket.user;
    if (user) calls.membershipLost(room, user.id);
  });
  // Frees this socket's call transports, producers and consumers.
  observer.on('close', (socket) => calls.connectionClosed(socket.id));
  observer.on('close', (socket) => connections.remove(socket, socket.user?.id ?? null));
  observer.on('close', (socket, code) => {
    const user = socket.user;
    if (!user || ctx.draining) return;
    const clean = code === CloseCode.Normal || code === CloseCode.GoingAway;
    presence.disconnected(user.id, clean, Date.now());
  });
}

/** Creates the data directory (and its parents) readable by the server's user only; an existing one keeps its mode. */
async function mkdirPrivate(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** The path of a request target; null when it cannot be parsed. */
function pathOf(url: string | undefined): string | null {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('Not Found');
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
