/** Types of `services.mjs`: the machine's PostgreSQL and Redis for tests and benchmarks. */
import type { ChildProcess } from 'node:child_process';

/** Whether something accepts TCP connections at `url`'s host and port (`defaultPort` when the URL has none), within 10 s (a busy event loop may see the connection late). */
export declare function reachable(url: string, defaultPort: number): Promise<boolean>;

/** A port of 127.0.0.1 nobody listens on right now (the kernel's pick, released at once). */
export declare function freePort(): Promise<number>;

/** A database with a random name beside `adminUrl`'s. */
export interface ThrowawayDatabase {
  name: string;
  /** Connection string of the new database. */
  url: string;
  /** Drops it (closing any connection still open). */
  drop(): Promise<void>;
}

/** Creates a database named `prefix` plus random hex. */
export declare function createThrowawayDatabase(adminUrl: string, prefix: string): Promise<ThrowawayDatabase>;

/** Starts `redis-server` on 127.0.0.1:`port` without persistence; resolves with the child once it accepts connections (10 s at most). */
export declare function startRedisServer(port: number): Promise<ChildProcess>;
