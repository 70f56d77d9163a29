/**
 * Helpers for workspace tests: a real server that can be restarted on the
 * same port and data, real y-websocket providers over `ws`, and a raw binary
 * socket for feeding the server hostile frames.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { WORKSPACE_PATH, WORKSPACE_SUBPROTOCOL, WORKSPACE_TOKEN_PREFIX, WorkspaceMessage, parseCloseReason } from '@parley/sdk/protocol';
import { createServer } from '../src/index.js';
import type { ParleyServer, ServerOptions } from '../src/index.js';
import { createSqliteStorage } from '../src/storage/index.js';
import type { StoredWorkspace } from '../src/storage/storage.js';
import { METRICS_TOKEN, SECRET, TestClient, signToken } from './helpers.js';
import type { Closed } from './helpers.js';

export { SECRET };

/** Bound for every wait in workspace tests. */
export const WAIT_MS = 10_000;

/** A server that keeps its data directory and port across restarts. */
export interface WorkspaceServer {
  readonly port: number;
  /** `ws://127.0.0.1:<port>` */
  readonly base: string;
  readonly dataDir: string;
  readonly server: ParleyServer;
  /** A chat client for `user` (to create rooms, invite, change roles). */
  chat(user: string, name?: string): Promise<TestClient>;
  /** Stops the server (gracefully: documents are compacted) and starts a new one on the same port and data. */
  restart(): Promise<void>;
  /** Stops the server gracefully without starting another. */
  stop(): Promise<void>;
  /** The room's document as stored, read by a separate storage instance. */
  stored(room: string): Promise<StoredWorkspace>;
  /** Stops the server, closes chat clients and deletes the data. */
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1:0 with SQLite in a fresh temp directory. */
export async function startWorkspaceServer(options: Partial<ServerOptions> = {}): Promise<WorkspaceServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-ws-test-'));
  const make = (): ParleyServer => createServer({ dataDir, logger: false, auth: { secret: SECRET }, metricsToken: METRICS_TOKEN, invitations: 'direct', ...options });
  let server = make();
  let port: number;
  try {
    ({ port } = await server.listen(0, '127.0.0.1'));
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const chats: TestClient[] = [];
  let running = true;
  const handle: WorkspaceServer = {
    port,
    base: `ws://127.0.0.1:${port}`,
    dataDir,
    get server() {
      return server;
    },
    async chat(user, name) {
      const client = await TestClient.connect(`ws://127.0.0.1:${port}/v1/ws`, await signToken(user, { name }));
      chats.push(client);
      return client;
    },
    async stop() {
      if (!running) return;
      running = false;
      await server.close();
    },
    async restart() {
      await handle.stop();
      server = make();
      // The port was ours a moment ago; another process taking it in between would fail the test loudly.
      await server.listen(port, '127.0.0.1');
      running = true;
    },
    async stored(room) {
      const storage = createSqliteStorage({ dataDir });
      await storage.open();
      try {
        return await storage.loadWorkspace(room);
      } finally {
        await storage.close();
      }
    },
    async close() {
      for (const client of chats) client.terminate();
      await handle.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** A Y.Doc built from a stored workspace, as a freshly started server would load it. */
export function docFromStored(stored: StoredWorkspace): Y.Doc {
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  return doc;
}

/** Options of {@link openProvider}. */
export interface ProviderOptions {
  doc?: Y.Doc;
  /** Pass the token as `?token=` (plain y-websocket) instead of the Parley subprotocol. */
  queryToken?: boolean;
  /** A ready token instead of a fresh one for the user. */
  token?: string;
  connect?: boolean;
}

/** A y-websocket provider for `user` on `room`, with every close event recorded. */
export interface TestProvider {
  provider: WebsocketProvider;
  doc: Y.Doc;
  closes: Closed[];
  /** Reasons of `permission denied` messages received. */
  denied: string[];
  /** Highest ack count received (Parley subprotocol only). */
  acked(): number;
  destroy(): void;
}

/** Opens a real y-websocket provider over `ws`, authenticated as `user`. */
export async function openProvider(
  ws: WorkspaceServer,
  user: string,
  room: string,
  options: ProviderOptions = {},
): Promise<TestProvider> {
  const token = options.token ?? (await signToken(user, { name: user.toUpperCase() }));
  const doc = options.doc ?? new Y.Doc();
  const provider = new WebsocketProvider(`${ws.base}${WORKSPACE_PATH}`, encodeURIComponent(room), doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: options.queryToken ? { token } : {},
    protocols: options.queryToken ? [] : [WORKSPACE_SUBPROTOCOL, `${WORKSPACE_TOKEN_PREFIX}${token}`],
    disableBc: true,
    connect: options.connect ?? true,
    maxBackoffTime: 200,
  });
  const closes: Closed[] = [];
  const denied: string[] = [];
  let acked = 0;
  provider.on('connection-close', (event) => {
    if (event) closes.push({ code: event.code, reason: parseCloseReason(event.reason) });
  });
  provider.messageHandlers[WorkspaceMessage.Auth] = (_encoder, decoder) => {
    decoding.readVarUint(decoder);
    denied.push(decoding.readVarString(decoder));
  };
  provider.messageHandlers[WorkspaceMessage.Ack] = (_encoder, decoder) => {
    acked = Math.max(acked, decoding.readVarUint(decoder));
  };
  return {
    provider,
    doc,
    closes,
    denied,
    acked: () => acked,
    destroy: () => {
      provider.destroy();
      // The provider leaves its awareness (and the awareness's timer) to its owner.
      provider.awareness.destroy();
    },
  };
}

/** Waits until the provider has synced with the server. */
export function synced(p: TestProvider, timeoutMs = WAIT_MS): Promise<void> {
  return waitUntil(() => p.provider.synced, `provider of ${p.provider.roomname} never synced`, timeoutMs);
}

/** Polls `predicate` every 10 ms until it holds; rejects with `what` after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A raw binary socket on a workspace path: send anything, see everything. */
export class RawWorkspaceSocket {
  readonly ws: WebSocket;
  readonly received: Uint8Array[] = [];
  readonly closed: Promise<Closed>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: parseCloseReason(reason.toString('utf8')) }));
    });
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => this.received.push(new Uint8Array(data)));
  }

  /** Opens a socket for `room` with the given token (subprotocol) and extra options. */
  static open(
    ws: WorkspaceServer,
    room: string,
    token: string | null,
    options: { origin?: string; path?: string; autoPong?: boolean } = {},
  ): Promise<RawWorkspaceSocket> {
    const protocols = token === null ? [] : [WORKSPACE_SUBPROTOCOL, `${WORKSPACE_TOKEN_PREFIX}${token}`];
    const url = `${ws.base}${options.path ?? `${WORKSPACE_PATH}/${encodeURIComponent(room)}`}`;
    return new Promise((resolve, reject) => {
      // `autoPong: false` plays a peer that vanished without a FIN.
      const socket = new WebSocket(url, protocols, { origin: options.origin, autoPong: options.autoPong ?? true });
      const raw = new RawWorkspaceSocket(socket);
      socket.once('open', () => resolve(raw));
      socket.once('error', reject);
    });
  }

  /** Sends binary bytes. */
  send(bytes: Uint8Array | Buffer): void {
    this.ws.send(bytes);
  }

  /** Resolves with how the socket closed; rejects after `timeoutMs`. */
  waitForClose(timeoutMs = WAIT_MS): Promise<Closed> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) => {
        const timer = setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs);
        void this.closed.then(() => clearTimeout(timer));
      }),
    ]);
  }

  /** Waits until a message of `type` arrived (the server greets with sync step 1 once open). */
  waitForMessage(type: number, timeoutMs = WAIT_MS): Promise<Uint8Array> {
    return waitUntil(() => this.received.some((m) => m[0] === type), `no message of type ${type}`, timeoutMs).then(
      () => this.received.find((m) => m[0] === type)!,
    );
  }

  /** Closes normally. */
  close(): void {
    this.ws.close(1000);
  }
}

/** The text of a doc's `body`. */
export function bodyOf(doc: Y.Doc): string {
  return doc.getText('body').toString();
}

/** A sync update message carrying `update`, as a client sends it. */
export function updateMessageOf(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, WorkspaceMessage.Sync);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

/**
 * An update from `clientID` inserting `items` characters one by one at index
 * 0 of the text. Cheap on its own; merging two of them from different
 * clients makes Yjs resolve every insertion against every other (quadratic).
 */
export function hostileUpdate(clientID: number, items: number): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const text = doc.getText('body');
  doc.transact(() => {
    for (let i = 0; i < items; i++) text.insert(0, 'x');
  });
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}
