/** Types of `fault-proxy.mjs`: a TCP proxy that injects network faults between a process and a service. */

/** A running proxy; every fault lasts until {@link FaultProxy.restore}. */
export interface FaultProxy {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Connections open through it now. */
  readonly open: number;
  /** Connections accepted so far (refused ones included). */
  readonly accepted: number;
  /** Destroys every open connection at once (both sides see the socket close). */
  dropAll(): void;
  /** Stops forwarding bytes both ways, on open and new connections, keeping every socket open. */
  stall(): void;
  /** Resets every new connection at once (open ones are left as they are). */
  refuse(): void;
  /** Forwards again; bytes a stall held back go through first. */
  restore(): void;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a proxy on a free port of 127.0.0.1 to `target` (host default 127.0.0.1). */
export declare function startFaultProxy(target: { host?: string; port: number }): Promise<FaultProxy>;
