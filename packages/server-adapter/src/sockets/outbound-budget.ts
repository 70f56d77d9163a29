/**
 * A node-wide cap on bytes queued for sockets. Each socket is already capped
 * (`limits.maxBufferedBytes`), but many sockets each under their own cap can
 * still hold more than the process has (a join storm, a broadcast to
 * thousands of slow readers). Past the cap, the sockets holding the most are
 * shed — closed as slow consumers — until the total is well under it.
 *
 * The total is an estimate kept up to date on every write: a socket's share is
 * its buffered amount at its last write. Draining happens in the kernel
 * without telling us, so the estimate only errs high; when it crosses the
 * cap, the real amounts are read from every socket before anyone is shed.
 */

/** A socket as the budget sees it. */
export interface BudgetedSocket {
  /** Its session id, for the log line of a shed. */
  readonly id: string;
  /** Bytes queued for it now (0 once it is closing). */
  readonly queuedBytes: number;
  /** Its share of the estimate; kept on the socket so the per-write update is a field access. Starts at 0. */
  budgetShare: number;
  /** Closes it as a slow consumer. */
  shed(): void;
}

/** After shedding, the total is brought down to this fraction of the cap, so the next write does not shed again. */
const SHED_TO = 0.75;

/** Tracks the estimate and sheds the largest consumers past the cap. */
export class OutboundBudget<S extends BudgetedSocket = BudgetedSocket> {
  readonly #capBytes: number;
  readonly #sockets: () => Iterable<S>;
  readonly #onShed: (socket: S, queuedBytes: number) => void;
  #estimate = 0;

  /** `sockets` lists every open socket; `onShed` is told of each one shed (for logs and metrics). */
  constructor(capBytes: number, sockets: () => Iterable<S>, onShed: (socket: S, queuedBytes: number) => void) {
    this.#capBytes = capBytes;
    this.#sockets = sockets;
    this.#onShed = onShed;
  }

  /** The cap in bytes. */
  get capBytes(): number {
    return this.#capBytes;
  }

  /** Bytes queued across every socket now (reads each socket; for metrics). */
  measure(): number {
    let total = 0;
    for (const socket of this.#sockets()) total += socket.queuedBytes;
    return total;
  }

  /**
   * Called after each write to `socket` (with its queued bytes when the
   * caller has just read them); sheds the largest consumers when the node is over its cap.
   */
  wrote(socket: S, queuedBytes: number = socket.queuedBytes): void {
    this.#set(socket, queuedBytes);
    if (this.#estimate > this.#capBytes) this.#enforce();
  }

  /** The socket closed: its share leaves the estimate. */
  forget(socket: S): void {
    this.#set(socket, 0);
  }

  #set(socket: S, bytes: number): void {
    this.#estimate += bytes - socket.budgetShare;
    socket.budgetShare = bytes;
  }

  #enforce(): void {
    // The estimate errs high: read the real amounts first.
    const queued: Array<[S, number]> = [];
    for (const socket of this.#sockets()) {
      const bytes = socket.queuedBytes;
      this.#set(socket, bytes);
      if (bytes > 0) queued.push([socket, bytes]);
    }
    if (this.#estimate <= this.#capBytes) return;
    queued.sort((a, b) => b[1] - a[1]);
    const target = this.#capBytes * SHED_TO;
    for (const [socket, bytes] of queued) {
      if (this.#estimate <= target) break;
      this.#set(socket, 0);
      this.#onShed(socket, bytes);
      socket.shed();
    }
  }
}
