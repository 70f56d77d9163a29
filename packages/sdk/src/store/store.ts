/**
 * A framework-agnostic state container. State is replaced, never mutated, so
 * a selector's result can be compared with the previous one and listeners run
 * only when the slice they selected changed.
 */

/** Picks the part of the state a listener cares about. */
export type Selector<S, T> = (state: S) => T;
/** Called with the new and previous value of a selected slice. */
export type SliceListener<T> = (value: T, previous: T) => void;
/** Decides whether two selected values are the same (default `Object.is`). */
export type EqualityFn<T> = (a: T, b: T) => boolean;

/** The read side of a store, as handed to UIs. */
export interface ReadableStore<S> {
  /** The current state (an immutable snapshot). */
  getState(): S;
  /**
   * Calls `listener` whenever `selector(state)` changes according to
   * `equalityFn`. Returns a function that unsubscribes.
   */
  subscribe<T>(selector: Selector<S, T>, listener: SliceListener<T>, equalityFn?: EqualityFn<T>): () => void;
}

interface Subscription<S> {
  selector: Selector<S, unknown>;
  listener: SliceListener<unknown>;
  equal: EqualityFn<unknown>;
  last: unknown;
}

/** A store with immutable updates; see {@link ReadableStore}. */
export class Store<S extends object> implements ReadableStore<S> {
  private state: S;
  private readonly subscriptions = new Set<Subscription<S>>();

  constructor(initial: S) {
    this.state = initial;
  }

  /** The current state. */
  getState(): S {
    return this.state;
  }

  /** Replaces the state (or derives the next one from the previous) and notifies changed slices. */
  setState(next: S | ((previous: S) => S)): void {
    const value = typeof next === 'function' ? next(this.state) : next;
    if (value === this.state) return;
    this.state = value;
    for (const sub of [...this.subscriptions]) {
      if (!this.subscriptions.has(sub)) continue;
      let selected: unknown;
      try {
        selected = sub.selector(value);
        if (sub.equal(sub.last, selected)) continue;
      } catch (error) {
        console.error('parley: a store selector threw', error);
        continue;
      }
      const previous = sub.last;
      sub.last = selected;
      try {
        sub.listener(selected, previous);
      } catch (error) {
        console.error('parley: a store listener threw', error);
      }
    }
  }

  /** Merges `patch` into the state (shallow), notifying only when a field changed. */
  patch(patch: Partial<S>): void {
    const current = this.state;
    for (const key of Object.keys(patch) as Array<keyof S>) {
      if (!Object.is(current[key], patch[key])) {
        this.setState({ ...current, ...patch });
        return;
      }
    }
  }

  /** @inheritdoc */
  subscribe<T>(selector: Selector<S, T>, listener: SliceListener<T>, equalityFn: EqualityFn<T> = Object.is): () => void {
    const sub: Subscription<S> = {
      selector,
      listener: listener as SliceListener<unknown>,
      equal: equalityFn as EqualityFn<unknown>,
      last: selector(this.state),
    };
    this.subscriptions.add(sub);
    return () => {
      this.subscriptions.delete(sub);
    };
  }
}

/** Equality for selectors that return a fresh object or array of stable parts. */
export function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const key of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (!Object.is((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}
