/**
 * The workspace endpoint: HTTP upgrades on `/v1/yjs/<roomId>`, beside the
 * chat socket on the same server and port. Refusals after the upgrade are
 * WebSocket closes with Parley close codes, so clients learn why (an HTTP
 * error status would reach a browser only as an anonymous 1006).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CloseCode, ErrorCode, WORKSPACE_SUBPROTOCOL, WORKSPACE_TOKEN_PREFIX, encodeCloseReason } from '@parley/sdk/protocol';
import type { CloseReason } from '@parley/sdk/protocol';
import { isOriginAllowed } from '../auth/origin.js';
import { jitter } from '../sockets/jitter.js';
import { SocketObserver } from '../sockets/managed-socket.js';
import type { ServerContext } from '../context.js';
import type { ClusterBus } from './cluster.js';
import { WorkspaceConnection } from './connection.js';
import { WorkspaceEngine } from './engine/engine.js';
import type { WorkspaceHost, WorkspaceRequest } from './connection.js';
import { WorkspaceRegistry } from './registry.js';
import { WorkspaceSockets } from './sockets.js';
import { registerWorkspaceMetrics } from './workspace-metrics.js';

/** Longest room id accepted in the path (the protocol's id bound). */
const MAX_ROOM_ID = 128;
/** Messages beyond this many times the limit are cut by the WebSocket layer itself (1009) instead of being buffered. */
const HARD_LIMIT_FACTOR = 4;

/** Serves workspace sockets for one server. */
export class WorkspaceEndpoint {
  readonly #server: ServerContext;
  readonly #host: WorkspaceHost;
  readonly #wss: WebSocketServer;

  /** Creates the endpoint and its document registry; `cluster` is the bus to other nodes serving the same rooms, if any. */
  constructor(server: ServerContext, cluster?: ClusterBus) {
    this.#server = server;
    const { limits, workspaces } = server.options;
    const sockets = new WorkspaceSockets<WorkspaceConnection>();
    let registry: WorkspaceRegistry | null = null;
    let engine: WorkspaceEngine | null = null;
    const metrics = registerWorkspaceMetrics(server.metrics.registry, {
      documents: () => registry?.size ?? 0,
      sockets: () => sockets.all.size,
      busyThreads: () => engine?.busyThreads ?? 0,
    });
    engine = new WorkspaceEngine({
      threads: workspaces.engineThreads,
      budgets: { update: workspaces.updateBudgetMs, document: workspaces.documentBudgetMs },
      logger: server.logger.child({ component: 'workspace-engine' }),
      metrics,
    });
    registry = new WorkspaceRegistry(
      { storage: server.storage, logger: server.logger, limits, options: workspaces, engine, cluster, metrics },
      server.hub,
      server.options.timing.closeTimeoutMs,
    );
    const observer = new SocketObserver();
    // The set counts a socket for its user until it closes.
    observer.on('close', (socket) => {
      const closed = socket as WorkspaceConnection;
      sockets.remove(closed, closed.boundUser);
    });
    this.#host = { server, options: server.options, outbound: null, observer, registry, sockets };
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: HARD_LIMIT_FACTOR * Math.max(limits.maxWorkspaceMessageBytes, limits.maxAwarenessBytes),
      perMessageDeflate: false,
      clientTracking: false,
      // Select our subprotocol when offered (it enables acks); the token subprotocol is never echoed.
      handleProtocols: (protocols: Set<string>) => (protocols.has(WORKSPACE_SUBPROTOCOL) ? WORKSPACE_SUBPROTOCOL : false),
    });
  }

  /** Open workspace sockets. */
  get sockets(): ReadonlySet<WorkspaceConnection> {
    return this.#host.sockets.all as ReadonlySet<WorkspaceConnection>;
  }

  /** The document registry (tests look at what is loaded). */
  get registry(): WorkspaceRegistry {
    return this.#host.registry;
  }

  /**
   * Takes an upgrade whose path starts with the workspace prefix. Never logs
   * the request URL: it may carry `?token=`.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, room: string | null): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      const refuse = (code: number, reason: CloseReason): void => ws.close(code, encodeCloseReason(reason));
      if (this.#server.draining) return refuse(CloseCode.GoingAway, { retryAfterMs: jitter(1_000, 5_000) });
      if (!isOriginAllowed(req, this.#server.options.originPolicy)) {
        this.#server.logger.warn({ origin: req.headers.origin }, 'workspace origin refused');
        return refuse(CloseCode.OriginForbidden, { code: ErrorCode.OriginForbidden });
      }
      if (room === null) return refuse(CloseCode.WorkspaceForbidden, { code: ErrorCode.NotFound });
      const open = this.#server.connections.all.size + this.#host.sockets.all.size;
      if (open >= this.#server.options.maxConnections) {
        this.#server.metrics.shed.inc();
        return refuse(CloseCode.TryAgainLater, { code: ErrorCode.Unavailable, retryAfterMs: jitter(5_000, 30_000) });
      }
      const request: WorkspaceRequest = { room, token: tokenOf(req), acks: ws.protocol === WORKSPACE_SUBPROTOCOL };
      new WorkspaceConnection(ws, this.#host, request);
    });
  }

  /** Pings every socket, cutting those that did not answer the previous ping. */
  checkAlive(): void {
    for (const socket of this.#host.sockets.all as ReadonlySet<WorkspaceConnection>) socket.checkAlive();
  }

  /** Shutdown: closes every socket with 1001, then compacts and unloads every document and stops the engine. */
  async close(): Promise<void> {
    await Promise.all([...(this.#host.sockets.all as ReadonlySet<WorkspaceConnection>)].map((socket) => socket.drain()));
    await this.#host.registry.close();
    this.#wss.close();
  }
}

/**
 * The room id of a workspace path (`<prefix>/<url-encoded id>`), null when
 * the rest of the path is not one well-formed id; undefined when the path is
 * not under the prefix at all.
 */
export function workspaceRoomOf(pathname: string, prefix: string): string | null | undefined {
  if (!pathname.startsWith(`${prefix}/`)) return pathname === prefix ? null : undefined;
  const encoded = pathname.slice(prefix.length + 1);
  if (encoded.length === 0 || encoded.includes('/')) return null;
  let room: string;
  try {
    room = decodeURIComponent(encoded);
  } catch {
    return null;
  }
  return room.length > 0 && room.length <= MAX_ROOM_ID ? room : null;
}

/** The token: the `parley.token.<JWT>` subprotocol, else the `token` query parameter. */
function tokenOf(req: IncomingMessage): string | null {
  const offered = req.headers['sec-websocket-protocol'];
  if (typeof offered === 'string') {
    for (const part of offered.split(',')) {
      const value = part.trim();
      if (value.startsWith(WORKSPACE_TOKEN_PREFIX) && value.length > WORKSPACE_TOKEN_PREFIX.length) {
        return value.slice(WORKSPACE_TOKEN_PREFIX.length);
      }
    }
  }
  try {
    const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
    return token && token.length > 0 ? token : null;
  } catch {
    return null;
  }
}
