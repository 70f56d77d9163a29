import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter } from '../src/events.js';

interface Events {
  ping: number;
  named: { name: string };
}

describe('Emitter', () => {
  it('delivers typed payloads in subscription order', () => {
    const emitter = new Emitter<Events>();
    const got: string[] = [];
    emitter.on('ping', (n) => got.push(`a${n}`));
    emitter.on('ping', (n) => got.push(`b${n}`));
    emitter.on('named', ({ name }) => got.push(name));
    emitter.emit('ping', 1);
    emitter.emit('named', { name: 'x' });
    assert.deepEqual(got, ['a1', 'b1', 'x']);
  });

  it('isolates a throwing listener: the others run and the emitter keeps working', () => {
    const errors: Array<[unknown, string]> = [];
    const emitter = new Emitter<Events>((error, event) => errors.push([error, event]));
    const got: number[] = [];
    emitter.on('ping', () => {
      throw new Error('boom');
    });
    emitter.on('ping', (n) => got.push(n));
    emitter.emit('ping', 1);
    emitter.emit('ping', 2);
    assert.deepEqual(got, [1, 2]);
    assert.equal(errors.length, 2);
    assert.equal(errors[0][1], 'ping');
    assert.match(String(errors[0][0]), /boom/);
  });

  it('removes listeners via the returned function, once() fires once', () => {
    const emitter = new Emitter<Events>();
    let count = 0;
    let onceCount = 0;
    const off = emitter.on('ping', () => count++);
    emitter.once('ping', () => onceCount++);
    emitter.emit('ping', 1);
    off();
    emitter.emit('ping', 2);
    assert.equal(count, 1);
    assert.equal(onceCount, 1);
  });

  it('tolerates listeners that unsubscribe during emit', () => {
    const emitter = new Emitter<Events>();
    const got: string[] = [];
    const offA = emitter.on('ping', () => {
      got.push('a');
      offA();
    });
    emitter.on('ping', () => got.push('b'));
    emitter.emit('ping', 0);
    emitter.emit('ping', 0);
    assert.deepEqual(got, ['a', 'b', 'b']);
  });
});
