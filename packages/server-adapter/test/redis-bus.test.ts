/**
 * `RedisBus` on its own, against a redis-server of this file's own (killed,
 * started again and frozen with SIGSTOP): what waits for Redis is bounded,
 * and the other nodes catch up once it answers again.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { BusMessage } from '../src/bus/bus.js';
import { RedisBus } from '../src/bus/redis-bus.js';
import { exited, freePort } from './cli-process.js';
import { clusterServicesMissing, startRedis } from './redis-process.js';
import { randomName } from './service-helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds (bounded). */
async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(20);
  }
}

const reason = await clusterServicesMissing();

describe('the Redis bus under faults', { skip: reason ?? false }, () => {
  let port: number;
  let redis: ChildProcess | null = null;
  const buses: RedisBus[] = [];

  const bus = (options: Partial<ConstructorParameters<typeof RedisBus>[0]> = {}, prefix = 'b:'): RedisBus => {
    const created = new RedisBus({ url: `redis://127.0.0.1:${port}`, prefix, ...options });
    buses.push(created);
    return created;
  };

  before(async () => {
    port = await freePort();
    redis = await startRedis(port);
  });

  after(async () => {
    redis?.kill('SIGCONT');
    await Promise.all(buses.map((b) => b.close()));
    redis?.kill('SIGKILL');
    if (redis) await exited(redis);
  });

  it('keeps at most its bounds while Redis is frozen, then sends the newest in order and asks the others to catch up', { timeout: 60_000 }, async () => {
    const prefix = `${randomName('q')}:`;
    const sender = bus({ maxQueued: 100, maxInFlight: 10, stallMs: 500 }, prefix);
    const receiver = bus({}, prefix);
    const revs: number[] = [];
    receiver.subscribe('room:r', (message: BusMessage) => revs.push(message.rev ?? -1));
    let resyncs = 0;
    receiver.onResync(() => resyncs++);
    await Promise.all([sender.ready(), receiver.ready(), receiver.whenSubscribed('room:r')]);
    await sender.publish('room:r', { frame: 'x', rev: 1 });
    await until(() => revs.includes(1), 'the first message');

    redis!.kill('SIGSTOP');
    try {
      const total = 5_000;
      for (let rev = 2; rev <= total; rev++) await sender.publish('room:r', { frame: 'x'.repeat(200), rev });
      assert.ok(sender.queued <= 100 + 10, `at most 110 messages wait for Redis (${sender.queued})`);
      assert.ok(sender.dropped >= total - 1 - 110, `the oldest were dropped (${sender.dropped})`);
      await until(() => sender.health().status === 'stalled', 'the sender reports Redis stalled');
    } finally {
      redis!.kill('SIGCONT');
    }
    await until(() => revs.includes(5_000), 'the newest message');
    await until(() => resyncs > 0, 'the receiver is asked to catch up from storage');
    assert.deepEqual([...revs].sort((a, b) => a - b), revs, 'what arrived came in publish order');
    assert.equal(new Set(revs).size, revs.length, 'nothing arrived twice');
    await until(() => sender.health().status === 'ok', 'the sender is healthy again');
  });

  it('makes a subscription wanted while Redis is down once it is back, then says to catch up', { timeout: 60_000 }, async () => {
    const prefix = `${randomName('s')}:`;
    const sender = bus({}, prefix);
    const receiver = bus({}, prefix);
    await Promise.all([sender.ready(), receiver.ready()]);
    let resyncs = 0;
    receiver.onResync(() => resyncs++);

    redis!.kill('SIGKILL');
    await exited(redis!);
    const heard: string[] = [];
    receiver.subscribe('room:late', (message) => heard.push(message.frame));
    let subscribed = false;
    void receiver.whenSubscribed('room:late').then(() => (subscribed = true));
    await until(() => receiver.health().status === 'down', 'the receiver reports the bus down');
    // Long enough for ioredis to have given up on a queued command (it did after one retry before).
    await sleep(1_500);
    assert.equal(subscribed, false, 'not subscribed while Redis is down');

    redis = await startRedis(port);
    await until(() => subscribed, 'the subscription takes effect once Redis is back');
    await until(() => resyncs > 0, 'the receiver is told to catch up');
    await until(() => sender.health().status === 'ok', 'the sender is back');
    await sender.publish('room:late', { frame: 'after' });
    await until(() => heard.includes('after'), 'a message published afterwards arrives');
    assert.equal(receiver.health().status, 'ok');
  });
});
