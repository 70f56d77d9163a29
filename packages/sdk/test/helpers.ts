/**
 * Integration helpers: a real Parley server (port 0, 127.0.0.1, SQLite in a
 * temp dir, dev auth) that can be stopped and started again on the same port
 * and data, SDK clients wired to Node's `ws`, a TCP proxy the test controls,
 * and bounded waits.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createServer } from '@parley/server-adapter';
import type { ParleyServer, ServerOptions } from '@parley/server-adapter';
import { createClient, fetchDevToken } from '../src/index.js';
import type { ClientOptions, ParleyClient, TokenSource } from '../src/index.js';

/** The HS256 secret of test servers (tests sign their own tokens with it). */
export const SECRET = 'sdk-integration-secret-long-enough-for-hs256';

/** A real server the test can stop and restart on the same port and data directory. */
export interface TestServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  token(user: string, name?: string): Promise<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes the data directory. */
  dispose(): Promise<void>;
}

/** Starts a dev-auth server on 127.0.0.1 with a fresh temp data directory. */
export async function startServer(options: Partial<Pick<ServerOptions, 'limits' | 'retentionIntervalMs' | 'bus' | 'invitations' | 'allowedOrigins'>> = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-sdk-test-'));
  let server: ParleyServer | null = null;
  let port = 0;
  const start = async (): Promise<void> => {
    server = createServer({ dataDir, logger: false, auth: { dev: true, secret: SECRET }, invitations: 'direct', ...options });
    ({ port } = await server.listen(port, '127.0.0.1'));
  };
  const stop = async (): Promise<void> => {
    const running = server;
    server = null;
    await running?.close();
  };
  await start();
  return {
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    token: (user, name) => fetchDevToken(`http://127.0.0.1:${port}`, user, name),
    start,
    stop,
    async dispose() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A client on Node's `ws`, memory storage and short reconnect delays (overridable). */
export function nodeClient(url: string, token: TokenSource, options: Partial<ClientOptions> = {}): ParleyClient {
  return createClient({
    url,
    token,
    WebSocket,
    offline: 'memory',
    reconnect: { baseMs: 20, capMs: 250 },
    ...options,
  });
}

/** A server with Ada and Bob connected and online. */
export interface Pair {
  server: TestServer;
  ada: ParleyClient;
  bob: ParleyClient;
  /** Disposes both clients, then the server. */
  dispose(): Promise<void>;
}

/** Starts a server and brings Ada and Bob online (Ada's client options overridable). */
export async function startPair(
  serverOptions: Parameters<typeof startServer>[0] = {},
  adaOptions: Partial<ClientOptions> = {},
): Promise<Pair> {
  const server = await startServer(serverOptions);
  const ada = nodeClient(server.url, await server.token('ada', 'Ada'), adaOptions);
  const bob = nodeClient(server.url, await server.token('bob', 'Bob'));
  await Promise.all([ada.connect(), bob.connect()]);
  await Promise.all([ada.whenOnline(), bob.whenOnline()]);
  return {
    server,
    ada,
    bob,
    async dispose() {
      await ada.dispose();
      await bob.dispose();
      await server.dispose();
    },
  };
}

/** Waits until `condition` holds, polling; fails after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Texts of a room's messages from users (system messages left out), in display order. */
export function texts(client: ParleyClient, room: string): string[] {
  return (client.state.rooms[room]?.messages ?? []).filter((m) => m.kind === 'user').map((m) => m.text);
}

/**
 * A TCP proxy in front of the server. `cutWhen(pattern)` arms it: the first
 * server→client chunk containing `pattern` is swallowed and every connection
 * is destroyed, as if the network died right after the server committed.
 */
export interface Proxy {
  readonly url: string;
  cutWhen(pattern: string): Promise<void>;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 forwarding to `targetPort`. */
export async function startProxy(targetPort: () => number): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let armed: { pattern: string; cut(): void } | null = null;
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(targetPort(), '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const destroy = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroy);
    upstream.on('error', destroy);
    client.on('close', destroy);
    upstream.on('close', destroy);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (armed && chunk.includes(armed.pattern)) {
        const { cut } = armed;
        armed = null;
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        cut();
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    cutWhen(pattern) {
      return new Promise<void>((resolve) => {
        armed = { pattern, cut: resolve };
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
