/**
 * The message shapes between the harness and its child processes (servers
 * under test and load generators), and the child side of the protocol.
 * A child prints one JSON line `{"ready":…}` on stdout once it can take
 * commands, answers `{id,type,…}` requests over the IPC channel, and exits
 * when the harness goes away, so no child outlives a run.
 */

/** A request from the harness. */
export interface IpcRequest {
  id: number;
  type: string;
  [key: string]: unknown;
}

/** The answer to one request. */
export type IpcReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** What `stats` answers in every child: its own CPU time and memory. */
export interface ProcessStats {
  /** User + system CPU time since start, microseconds. */
  cpuMicros: number;
  rss: number;
  heapUsed: number;
  external: number;
}

/** A command handler in a child; its result travels back as JSON. */
export type Handler = (request: IpcRequest) => unknown;

/** Reads this process's CPU time and memory. */
export function processStats(): ProcessStats {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { cpuMicros: cpu.user + cpu.system, rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external };
}

/**
 * Serves the harness's requests with `handlers`, plus `stats` and `gc`
 * (children run with --expose-gc so memory is measured after a collection).
 */
export function serveIpc(handlers: Record<string, Handler>): void {
  const all: Record<string, Handler> = {
    stats: () => processStats(),
    gc: () => {
      globalThis.gc?.();
      return processStats();
    },
    ...handlers,
  };
  process.on('message', (raw: unknown) => {
    const request = raw as IpcRequest;
    const handler = all[request.type];
    const reply = (answer: IpcReply): void => {
      if (process.connected) process.send?.(answer);
    };
    if (!handler) {
      reply({ id: request.id, ok: false, error: `unknown command ${request.type}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(request))
      .then(
        (result) => reply({ id: request.id, ok: true, result: result ?? null }),
        (error: unknown) => reply({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
  });
  // The harness is gone (finished, crashed or killed): so are we.
  process.on('disconnect', () => process.exit(0));
}

/** Tells the harness this child is ready, with whatever it needs to know (a port). */
export function announceReady(info: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ready: info })}\n`);
}
