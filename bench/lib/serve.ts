/** Shared start-up of the server children: listen on 127.0.0.1, report the port, stop on SIGTERM. */
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, serveIpc } from './ipc.js';
import type { Handler } from './ipc.js';

/** Listens on 127.0.0.1 with a free port and resolves with the port. */
export function listenLocal(http: HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port));
  });
}

/**
 * Announces a listening server to the harness, serves `stats`/`gc` (and any
 * extra commands) over IPC, and runs `close` on SIGTERM before exiting.
 */
export function runServerChild(port: number, close: () => Promise<void> | void, handlers: Record<string, Handler> = {}): void {
  serveIpc(handlers);
  process.once('SIGTERM', () => {
    Promise.resolve()
      .then(close)
      .finally(() => process.exit(0));
  });
  announceReady({ port, pid: process.pid });
}
