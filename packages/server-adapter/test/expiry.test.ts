/** The shared token-expiry timer: due items expire (in time order), removed ones never do. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpiryWatch } from '../src/sockets/expiry.js';

describe('ExpiryWatch', () => {
  it('expires due items in time order, skips removed ones and forgets what it expired', async () => {
    const watch = new ExpiryWatch<{ expire(): void }>();
    const expired: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const item = (name: string) => ({
      expire: () => {
        expired.push(name);
        if (name === 'later') done();
      },
    });
    const now = Date.now();
    watch.add(item('later'), now + 1_500);
    watch.add(item('past'), now - 1_000);
    const removed = item('removed');
    const key = watch.add(removed, now + 500);
    watch.remove(removed, key);
    assert.equal(watch.size, 2);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${expired.join(', ')} expired`)), 10_000)));
    await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
    assert.deepEqual(expired, ['past', 'later']);
    assert.equal(watch.size, 0);
  });

  it('one failing item does not keep the others of its second from expiring', async () => {
    const watch = new ExpiryWatch<{ expire(): void }>();
    const expired: number[] = [];
    const at = Date.now() - 1;
    watch.add({ expire: () => { throw new Error('boom'); } }, at);
    const finished = new Promise<void>((resolve) => watch.add({ expire: () => (expired.push(2), resolve()) }, at));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the second item never expired')), 10_000)));
    await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
    assert.deepEqual(expired, [2]);
  });
});
