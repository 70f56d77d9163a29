/**
 * The ordered request pipeline of one chat socket. Inbound items are taken
 * in arrival order. An item normally finishes before the next starts; a
 * handler that calls `committing()` lets the next one start while its write
 * commits. Every item's answer waits for the answer of the item before it,
 * so acks, errors and fan-out leave in arrival order.
 */
import type { Inbound } from './inbound.js';

/** The socket the pipeline works for. */
export interface PipelineOwner {
  /** False once the socket is closing: queued items are left unprocessed. */
  readonly accepting: boolean;
  /**
   * Handles one item. `turn` resolves once the previous item was answered;
   * `release` lets the pipeline move on to the next item early.
   */
  handleInbound(item: Inbound, turn: Promise<void>, release: () => void): Promise<void>;
  /** `handleInbound` threw, which only a bug does (it answers every failure itself). */
  pipelineFailed(error: unknown): void;
}

/** The answer chain's starting point, shared: a fresh socket has answered nothing. */
const NOTHING_PENDING: Promise<void> = Promise.resolve();

/** See the module comment. */
export class RequestPipeline {
  readonly #owner: PipelineOwner;
  // Allocated on first use and dropped when empty: most sockets sit idle, and at 10 000 sockets they add up.
  #queue: Inbound[] | null = null;
  #running = false;
  #idleWaiters: Array<() => void> | null = null;
  /** Resolves once the newest item taken from the queue has been answered. */
  #answered: Promise<void> = NOTHING_PENDING;

  /** A pipeline feeding `owner`. */
  constructor(owner: PipelineOwner) {
    this.#owner = owner;
  }

  /** Queues `item` and starts on it when the items before it allow. */
  push(item: Inbound): void {
    (this.#queue ??= []).push(item);
    void this.#pump();
  }

  /** Drops whatever is still queued (the socket closed). */
  clear(): void {
    this.#queue = null;
  }

  /** Resolves when no item is being processed or waiting to be answered. */
  async idle(): Promise<void> {
    if (this.#running) await new Promise<void>((resolve) => (this.#idleWaiters ??= []).push(resolve));
    await this.#answered;
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue !== null && this.#queue.length > 0 && this.#owner.accepting) {
        const item = this.#queue.shift();
        if (!item) break;
        const turn = this.#answered;
        let finish!: () => void;
        this.#answered = new Promise((resolve) => (finish = resolve));
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        const done = this.#owner
          .handleInbound(item, turn, release)
          .catch((error: unknown) => this.#owner.pipelineFailed(error))
          .finally(finish);
        await Promise.race([released, done]);
      }
    } finally {
      this.#running = false;
      if (this.#queue?.length === 0) this.#queue = null;
      const waiters = this.#idleWaiters;
      this.#idleWaiters = null;
      for (const resolve of waiters ?? []) resolve();
    }
  }
}
