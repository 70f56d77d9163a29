/** The default bus: delivers to subscribers in this process, synchronously and in publish order. */
import type { Bus, BusHandler, BusMessage } from './bus.js';

/** A single-node {@link Bus}; a throwing handler never stops delivery to the others. */
export class InProcessBus implements Bus {
  readonly #topics = new Map<string, Set<BusHandler>>();
  #closed = false;

  /** Calls every handler of `topic` before resolving. */
  publish(topic: string, message: BusMessage): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const handlers = this.#topics.get(topic);
    if (handlers) {
      // Copy: a handler may (un)subscribe while we iterate.
      for (const handler of [...handlers]) {
        try {
          handler(message, topic);
        } catch {
          // A subscriber's failure is its own; the others still get the message.
        }
      }
    }
    return Promise.resolve();
  }

  /** Adds `handler` to `topic`; the returned function removes it. */
  subscribe(topic: string, handler: BusHandler): () => void {
    let handlers = this.#topics.get(topic);
    if (!handlers) {
      handlers = new Set();
      this.#topics.set(topic, handlers);
    }
    handlers.add(handler);
    return () => {
      const set = this.#topics.get(topic);
      if (!set) return;
      set.delete(handler);
      if (set.size === 0) this.#topics.delete(topic);
    };
  }

  /** Drops every subscription; later publishes are ignored. */
  close(): Promise<void> {
    this.#closed = true;
    this.#topics.clear();
    return Promise.resolve();
  }
}
