/**
 * Starting the servers under test as child processes: ours (with a fresh
 * SQLite data directory, optionally seeded through the storage layer first)
 * and the peers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStorage } from '@parley/server-adapter';
import type { Storage } from '@parley/server-adapter';
import { startChild } from './children.js';
import type { Child } from './children.js';
import { sleep } from './clock.js';

/** Every server a scenario can start. */
export type ServerKind = 'parley' | 'bare-ws' | 'socket.io' | 'y-websocket' | 'hocuspocus';

const SCRIPTS: Record<ServerKind, string> = {
  parley: 'servers/parley.ts',
  'bare-ws': 'peers/bare-ws.ts',
  'socket.io': 'peers/socketio.ts',
  'y-websocket': 'peers/y-websocket.ts',
  hocuspocus: 'peers/hocuspocus.ts',
};

/** A running server under test. */
export interface RunningServer {
  kind: ServerKind;
  child: Child;
  port: number;
  /** Our server's data directory (kept across `restart`). */
  dataDir: string | null;
  /** Stops the process (and keeps the data directory). */
  stop(): Promise<void>;
  /** Starts the process again on the same port and data. */
  restart(): Promise<void>;
  /** Stops the process and removes the data directory. */
  dispose(): Promise<void>;
}

/** How to start a server. */
export interface StartOptions {
  /** Our server only: fills the storage before the server opens it. */
  seed?: (storage: Storage) => Promise<void>;
  /** Our server only: an existing data directory to use (and not delete). */
  dataDir?: string;
  fdLimit?: number;
  /** Extra arguments for our server's script (`--dev`, `--serve DIR`). */
  serverArgs?: string[];
  /** Extra Node flags for our server (`--cpu-prof`…). */
  nodeFlags?: string[];
  readyTimeoutMs?: number;
}

/** Something whose CPU time can be read: one server process, or several nodes summed. */
export interface CpuMeter {
  stats(): Promise<{ cpuMicros: number }>;
}

/** Node flags added to our server's process for this run (set by `--profile`). */
export const profiling: { flags: string[] } = { flags: [] };

/** Starts `kind` on 127.0.0.1 with a free port. */
export async function startServer(kind: ServerKind, options: StartOptions = {}): Promise<RunningServer> {
  const ownsDir = kind === 'parley' && !options.dataDir;
  const dataDir = kind === 'parley' ? (options.dataDir ?? (await mkdtemp(join(tmpdir(), 'parley-bench-')))) : null;
  if (dataDir && options.seed) {
    const storage = new SqliteStorage({ dataDir });
    await storage.open();
    try {
      await options.seed(storage);
    } finally {
      await storage.close();
    }
  }
  const launch = (port: number): Promise<Child> =>
    startChild(SCRIPTS[kind], {
      name: kind,
      args: dataDir ? ['--data-dir', dataDir, '--port', String(port), ...(options.serverArgs ?? [])] : [],
      sourceConditions: kind === 'parley',
      fdLimit: options.fdLimit,
      nodeFlags: kind === 'parley' ? [...profiling.flags, ...(options.nodeFlags ?? [])] : [],
      readyTimeoutMs: options.readyTimeoutMs,
    });
  let child = await launch(0);
  const port = child.ready.port as number;
  const server: RunningServer = {
    kind,
    get child() {
      return child;
    },
    port,
    dataDir,
    stop: () => child.stop(),
    async restart() {
      await child.stop();
      // The port was just released; a few quick retries cover a slow release.
      for (let attempt = 0; ; attempt++) {
        try {
          child = await launch(port);
          return;
        } catch (error) {
          if (attempt >= 5) throw error;
          await sleep(200);
        }
      }
    },
    async dispose() {
      await child.stop();
      if (dataDir && ownsDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/**
 * Waits until the server's CPU use stays under `fraction` of one core for
 * `windowMs` (connection storms and presence announcements have settled), at
 * most `maxMs`. Returns how long it waited.
 */
export async function waitForQuiet(child: CpuMeter, maxMs: number, fraction = 0.05, windowMs = 500): Promise<number> {
  const started = Date.now();
  let before = (await child.stats()).cpuMicros;
  while (Date.now() - started < maxMs) {
    await sleep(windowMs);
    const after = (await child.stats()).cpuMicros;
    if (after - before < fraction * windowMs * 1000) break;
    before = after;
  }
  return Date.now() - started;
}
