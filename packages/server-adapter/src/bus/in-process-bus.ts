/**
 * The default bus: delivers to subscribers in this process, synchronously and
 * in publish order. Publish order is not a room's rev order (each connection
 * publishes after its own ack), so the server puts `RoomOrderBus` on top, as
 * it does for Redis.
 */
import type { Bus, BusHandler, BusMessage } from './bus.js';

/** A single-node {@link Bus}; a throwing handler never stops delivery to the others. */
export class InProcessBus implements Bus {
  readonly local = true;
  /** Per topic: the one handler (nearly always: the hub subscribes once per topic), or a set once there are more. */
  readonly #topics = new Map<string, BusHandler | Set<BusHandler>>();
  #closed = false;

  /** Calls every handler of `topic` before resolving. */
  publish(topic: string, message: BusMessage): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const handlers = this.#topics.get(topic);
    if (typeof handlers === 'function') {
      callHandler(handlers, message, topic);
    } else if (handlers) {
      // Copy: a handler may (un)subscribe while we iterate.
      for (const handler of [...handlers]) callHandler(handler, message, topic);
    }
    return Promise.resolve();
  }

  /** Adds `handler` to `topic`; the returned function removes it. */
  subscribe(topic: string, handler: BusHandler): () => void {
    const current = this.#topics.get(topic);
    if (current === undefined) this.#topics.set(topic, handler);
    else if (typeof current !== 'function') current.add(handler);
    else if (current !== handler) this.#topics.set(topic, new Set([current, handler]));
    return () => {
      const now = this.#topics.get(topic);
      if (now === undefined) return;
      if (typeof now !== 'function') {
        now.delete(handler);
        if (now.size > 0) return;
      } else if (now !== handler) {
        return;
      }
      this.#topics.delete(topic);
    };
  }

  /** Part of the resyncing-bus contract: nothing published here is ever lost, so `listener` never runs. */
  onResync(_listener: () => void): () => void {
    return () => undefined;
  }

  /** Drops every subscription; later publishes are ignored. */
  close(): Promise<void> {
    this.#closed = true;
    this.#topics.clear();
    return Promise.resolve();
  }
}

/** Calls one handler. */
function callHandler(handler: BusHandler, message: BusMessage, topic: string): void {
  try {
    handler(message, topic);
  } catch {
    // A subscriber's failure is its own; the others still get the message.
  }
}
