/**
 * A small typed event emitter: a map of event name → payload type. A listener
 * that throws is reported and skipped; the others still run and the emitter
 * keeps working.
 */

/** A listener for one event. */
export type Listener<P> = (payload: P) => void;

/** Receives errors thrown by listeners. */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

function reportListenerError(error: unknown, event: string): void {
  // Surfaced, never rethrown: one faulty listener must not starve the others.
  console.error(`parley: a "${event}" listener threw`, error);
}

/** Typed emitter; `Events` maps each event name to its payload type. */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** @param onListenerError where listener exceptions go (default: `console.error`). */
  constructor(private readonly onListenerError: ListenerErrorHandler = reportListenerError) {}

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Adds a listener that runs at most once. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  /** Removes a listener added with {@link Emitter.on}. */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Calls every listener of `event` with `payload`, in the order they were added. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return;
    for (const listener of [...set] as Array<Listener<Events[K]>>) {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(error, String(event));
      }
    }
  }

  /** Removes every listener. */
  removeAllListeners(): void {
    this.listeners.clear();
  }
}
