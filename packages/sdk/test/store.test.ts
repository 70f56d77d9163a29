import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shallowEqual, Store } from '../src/store/store.js';

interface S {
  count: number;
  rooms: Record<string, { name: string }>;
  tags: string[];
}

function makeStore(): Store<S> {
  return new Store<S>({ count: 0, rooms: { a: { name: 'A' } }, tags: [] });
}

describe('Store', () => {
  it('notifies a selector only when its slice changes', () => {
    const store = makeStore();
    const seen: Array<[number, number]> = [];
    store.subscribe((s) => s.count, (value, previous) => seen.push([value, previous]));
    store.setState((s) => ({ ...s, rooms: { ...s.rooms, b: { name: 'B' } } }));
    assert.deepEqual(seen, []);
    store.setState((s) => ({ ...s, count: 1 }));
    store.setState((s) => ({ ...s, count: 1 }));
    store.setState((s) => ({ ...s, count: 2 }));
    assert.deepEqual(seen, [
      [1, 0],
      [2, 1],
    ]);
  });

  it('keeps untouched slices identical across updates (immutable updates)', () => {
    const store = makeStore();
    const before = store.getState();
    store.setState((s) => ({ ...s, rooms: { ...s.rooms, b: { name: 'B' } } }));
    const after = store.getState();
    assert.notEqual(after, before);
    assert.equal(after.rooms.a, before.rooms.a);
    assert.equal(before.rooms.b, undefined, 'the previous snapshot is not mutated');
  });

  it('uses the equality function to compare derived slices', () => {
    const store = makeStore();
    let calls = 0;
    store.subscribe(
      (s) => Object.keys(s.rooms),
      () => calls++,
      shallowEqual,
    );
    store.setState((s) => ({ ...s, count: 5 }));
    assert.equal(calls, 0, 'a fresh but equal array does not notify');
    store.setState((s) => ({ ...s, rooms: { ...s.rooms, c: { name: 'C' } } }));
    assert.equal(calls, 1);
  });

  it('stops notifying after unsubscribe, and a throwing listener does not stop others', () => {
    const store = makeStore();
    const originalError = console.error;
    console.error = () => undefined;
    try {
      let good = 0;
      const off = store.subscribe((s) => s.count, () => {
        throw new Error('listener bug');
      });
      store.subscribe((s) => s.count, () => good++);
      store.setState((s) => ({ ...s, count: 1 }));
      off();
      store.setState((s) => ({ ...s, count: 2 }));
      assert.equal(good, 2);
    } finally {
      console.error = originalError;
    }
  });

  it('patch only publishes when a field really changed', () => {
    const store = makeStore();
    const before = store.getState();
    store.patch({ count: 0 });
    assert.equal(store.getState(), before);
    store.patch({ count: 3 });
    assert.equal(store.getState().count, 3);
  });
});
