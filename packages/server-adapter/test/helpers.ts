/**
 * Test helpers: a real server on 127.0.0.1:0 with SQLite in a temp directory,
 * and a small raw WebSocket client speaking the Parley protocol.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, expandEvent, parseCloseReason } from '@parley/sdk/protocol';
import type {
  AttachmentInfo,
  CloseReason,
  ErrorCode,
  ErrorFrame,
  Message,
  RequestArgs,
  RequestResult,
  RequestType,
  ServerFrame,
  WelcomeFrame,
} from '@parley/sdk/protocol';
import { createServer } from '../src/index.js';
import type { ParleyServer, ServerOptions } from '../src/index.js';

/** The HS256 secret test servers use unless told otherwise. */
export const SECRET = 'test-secret-that-is-long-enough-for-hs256';

/** The bearer token test servers require on `/metrics`. */
export const METRICS_TOKEN = 'test-metrics-token';

/** The Prometheus text of the server at `base` (`http://127.0.0.1:<port>`). */
export async function metricsText(base: string): Promise<string> {
  const response = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
  if (!response.ok) throw new Error(`GET /metrics: HTTP ${response.status}`);
  return response.text();
}

/** Default bound for every wait in tests. */
export const WAIT_MS = 5_000;

/** A running test server. */
export interface TestServer {
  server: ParleyServer;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `ws://127.0.0.1:<port>/v1/ws` */
  wsUrl: string;
  dataDir: string;
  /** Connects and authenticates `user`. */
  connect(user: string, name?: string): Promise<TestClient>;
  /** Closes the server and removes its data directory (unless the caller gave it). */
  close(): Promise<void>;
}

/**
 * Starts a server on a free port with a fresh data directory; options override
 * the test defaults. A `dataDir` given in the options is used as is and kept
 * at `close()` (for restarts on the same data).
 */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'parley-test-')));
  const removeDir = (): Promise<void> => (ownDir ? rm(dataDir, { recursive: true, force: true }) : Promise.resolve());
  // Members are added at once unless a test is about consent (invitations: 'accept').
  const server = createServer({ logger: false, auth: { secret: SECRET }, metricsToken: METRICS_TOKEN, invitations: 'direct', ...options, dataDir });
  let port: number;
  try {
    ({ port } = await server.listen(0, '127.0.0.1'));
  } catch (error) {
    await server.close().catch(() => undefined);
    await removeDir();
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/v1/ws`;
  const clients: TestClient[] = [];
  return {
    server,
    port,
    url,
    wsUrl,
    dataDir,
    async connect(user, name) {
      const client = await TestClient.connect(wsUrl, await signToken(user, { name }));
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.terminate();
      await server.close();
      await removeDir();
    },
  };
}

/** Signs a test token. `exp` and `iat` are seconds since the epoch (null: no such claim); `secret` defaults to {@link SECRET}. */
export async function signToken(
  user: string,
  options: { name?: string; exp?: number | null; iat?: number | null; secret?: string; issuer?: string; audience?: string } = {},
): Promise<string> {
  const jwt = new SignJWT(options.name ? { name: options.name } : {}).setProtectedHeader({ alg: 'HS256' }).setSubject(user);
  // null leaves the claim out.
  if (options.iat !== null) jwt.setIssuedAt(options.iat);
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 3600);
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

/** A request answered with an `error` frame. */
export class FrameError extends Error {
  readonly code: ErrorCode;
  readonly frame: ErrorFrame;

  constructor(frame: ErrorFrame) {
    super(`${frame.code}: ${frame.message}`);
    this.code = frame.code;
    this.frame = frame;
  }
}

/** How a socket ended. */
export interface Closed {
  code: number;
  reason: CloseReason;
}

/** A raw protocol client: requests with awaited answers, and an event log to wait on. */
export class TestClient {
  readonly ws: WebSocket;
  /** Every frame received, in order. */
  readonly frames: ServerFrame[] = [];
  readonly #pending = new Map<number, { resolve: (frame: ServerFrame) => void; reject: (error: Error) => void }>();
  readonly #waiters = new Set<() => void>();
  readonly closed: Promise<Closed>;
  #nextId = 1;
  welcome: WelcomeFrame | null = null;

  /** Wraps a socket (use {@link TestClient.open} or {@link TestClient.connect}). */
  constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        for (const p of this.#pending.values()) p.reject(new Error(`socket closed with ${code}`));
        this.#pending.clear();
        resolve({ code, reason: parseCloseReason(reason.toString('utf8')) });
        this.#notify();
      });
    });
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
      // As the SDK does: message events travel compact, tests read full messages.
      const frame = expandEvent(JSON.parse(text) as ServerFrame);
      this.frames.push(frame);
      const id = 'id' in frame ? frame.id : undefined;
      if ((frame.type === 'ack' || frame.type === 'error' || frame.type === 'welcome') && id !== undefined) {
        const pending = this.#pending.get(id);
        if (pending) {
          this.#pending.delete(id);
          pending.resolve(frame);
        }
      }
      this.#notify();
    });
  }

  /** Opens a socket without authenticating. */
  static open(url: string, options: { origin?: string; headers?: Record<string, string> } = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { origin: options.origin, headers: options.headers });
      const client = new TestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** Opens a socket and authenticates with `token`; rejects with the error frame on failure. */
  static async connect(url: string, token: string): Promise<TestClient> {
    const client = await TestClient.open(url);
    await client.auth(token);
    return client;
  }

  /** Sends the `auth` frame and waits for `welcome`. */
  async auth(token: string, v: number = PROTOCOL_VERSION): Promise<WelcomeFrame> {
    const frame = await this.#roundTrip({ type: 'auth', v, token });
    if (frame.type !== 'welcome') throw new FrameError(frame as ErrorFrame);
    this.welcome = frame;
    return frame;
  }

  /** Sends a request and resolves with its result; rejects with {@link FrameError}. */
  async request<T extends RequestType>(type: T, args: RequestArgs<T>): Promise<RequestResult<T>> {
    const frame = await this.#roundTrip({ type, ...args });
    if (frame.type === 'error') throw new FrameError(frame);
    if (frame.type !== 'ack') throw new Error(`unexpected answer ${frame.type}`);
    return frame.result as RequestResult<T>;
  }

  /** Like {@link request} but resolves with the error code (fails the test when it succeeds). */
  async fail<T extends RequestType>(type: T, args: RequestArgs<T>): Promise<ErrorCode> {
    try {
      await this.request(type, args);
    } catch (error) {
      if (error instanceof FrameError) return error.code;
      throw error;
    }
    throw new Error(`${type} was expected to fail`);
  }

  /** Sends a frame with a fresh id and returns the id (no waiting). */
  sendWithId(frame: Record<string, unknown>): number {
    const id = this.#nextId++;
    this.ws.send(JSON.stringify(withId(frame, id)));
    return id;
  }

  /** Sends raw text (or an object as JSON) as is. */
  sendRaw(data: string | Buffer | Record<string, unknown>): void {
    this.ws.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data));
  }

  /** Waits for the answer (ack or error) to request `id`, looking at frames already received too. */
  answerTo(id: number, timeoutMs = WAIT_MS): Promise<ServerFrame> {
    return this.waitFor((f) => (f.type === 'ack' || f.type === 'error') && f.id === id, timeoutMs);
  }

  /** Resolves with the first frame (already received or future) matching `predicate`; rejects after `timeoutMs`. */
  waitFor<F extends ServerFrame = ServerFrame>(predicate: (frame: ServerFrame) => boolean, timeoutMs = WAIT_MS): Promise<F> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.frames.find(predicate);
        if (!found) return false;
        clearTimeout(timer);
        this.#waiters.delete(listener);
        resolve(found as F);
        return true;
      };
      const listener = (): void => void check();
      const timer = setTimeout(() => {
        this.#waiters.delete(listener);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${this.frames.map((f) => f.type).join(', ')}`));
      }, timeoutMs);
      if (check()) return;
      this.#waiters.add(listener);
    });
  }

  /** Waits for a `message` event carrying `text` (and returns the message). */
  async waitForMessage(predicate: (message: Message) => boolean, timeoutMs = WAIT_MS): Promise<Message> {
    const frame = await this.waitFor<{ type: 'message'; message: Message }>(
      (f) => f.type === 'message' && predicate(f.message),
      timeoutMs,
    );
    return frame.message;
  }

  /** Frames of one event type received so far. */
  events<T extends ServerFrame['type']>(type: T): Array<Extract<ServerFrame, { type: T }>> {
    return this.frames.filter((f): f is Extract<ServerFrame, { type: T }> => f.type === type);
  }

  /** Resolves with the close code and reason, or rejects after `timeoutMs`. */
  waitForClose(timeoutMs = WAIT_MS): Promise<Closed> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) => {
        const timer = setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs);
        void this.closed.then(() => clearTimeout(timer));
      }),
    ]);
  }

  /** Closes the socket normally (1000) and waits for it to end. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000);
    await this.waitForClose().catch(() => this.ws.terminate());
  }

  /** Drops the socket without a close handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  #roundTrip(frame: Record<string, unknown>): Promise<ServerFrame> {
    const id = this.#nextId++;
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('socket is not open'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`no answer to ${String(frame.type)} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      this.#pending.set(id, {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.ws.send(JSON.stringify(withId(frame, id)));
    });
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Puts `id` right after `type`, as the SDK does (the server reads it from oversized frames). */
function withId(frame: Record<string, unknown>, id: number): Record<string, unknown> {
  const { type, ...rest } = frame;
  return { type, id, ...rest };
}

/** A unique client id for idempotent mutations. */
let clientCounter = 0;
export function cid(prefix = 'c'): string {
  clientCounter += 1;
  return `${prefix}-${process.pid}-${clientCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Creates a group room owned by `owner` with `members` invited; returns its id. */
export async function createRoom(
  owner: TestClient,
  members: string[] = [],
  kind: 'group' | 'public' | 'broadcast' | 'workspace' = 'group',
  name = 'Test room',
): Promise<string> {
  const { room } = await owner.request('room.create', { kind, name, members });
  return room.id;
}

/** Sends a text message and returns it. */
export async function send(client: TestClient, room: string, text: string, extra: { parentId?: string } = {}): Promise<Message> {
  const { message } = await client.request('message.send', { room, clientId: cid(), text, ...extra });
  return message;
}

/** Uploads `body` to `room` as `user` and returns the attachment (throws unless 201). */
export async function uploadAttachment(
  ts: { url: string },
  room: string,
  body: Uint8Array,
  options: { user?: string; type?: string; name?: string } = {},
): Promise<AttachmentInfo> {
  const query = `room=${encodeURIComponent(room)}&name=${encodeURIComponent(options.name ?? 'file.txt')}`;
  const res = await fetch(`${ts.url}/v1/attachments?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await signToken(options.user ?? 'ada')}`, 'content-type': options.type ?? 'text/plain' },
    body: new Uint8Array(body),
  });
  const answer = (await res.json()) as { attachment?: AttachmentInfo };
  if (res.status !== 201 || !answer.attachment) throw new Error(`upload answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer.attachment;
}

/** Polls `check` until it returns true; fails after `timeoutMs` (generous: the machine may be busy). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
