/**
 * Guarantee checker, one node: the CLI on SQLite (in-process bus) is
 * SIGKILLed and restarted on the same port at least ten times while SDK and
 * raw clients work in three rooms and lose their sockets at chosen moments.
 * At the end nothing acknowledged is lost or doubled, every client's view
 * equals the history, live events came in rev order, and no client resumed
 * beyond what it held. See `guarantees/checker.ts`.
 *
 * PARLEY_CHECKER_ROUNDS=n multiplies the work (soak runs);
 * PARLEY_CHECKER_SEED=s replays a run's schedule.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { exited, freePort, startCli } from './cli-process.js';
import { SECRET } from './helpers.js';
import { runChecker } from './guarantees/checker.js';
import { envCount, runSeed } from './guarantees/rng.js';
import { pause } from './guarantees/workload.js';

const ROUNDS = envCount('PARLEY_CHECKER_ROUNDS', 1);
/** SIGKILLs per round. */
const KILLS = 11;

describe('guarantees on one node (SQLite)', () => {
  let child: ChildProcess | null = null;
  let dataDir = '';
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every acked change exactly once, in one order, through SIGKILLs and cut sockets', { timeout: 150_000 * ROUNDS }, async () => {
    const seed = runSeed();
    console.log(`guarantees single-node seed=${seed} rounds=${ROUNDS}`);
    dataDir = await mkdtemp(join(tmpdir(), 'parley-guarantees-'));
    const port = await freePort();
    const env = { PARLEY_JWT_SECRET: SECRET, PARLEY_CALLS: '0', PARLEY_DEV: '', PARLEY_INVITATIONS: 'direct', DATABASE_URL: '', REDIS_URL: '' };
    const start = async (): Promise<void> => {
      child = (await startCli({ port, dataDir, env })).child;
    };
    await start();
    const url = `ws://127.0.0.1:${port}/v1/ws`;

    const result = await runChecker({
      label: 'single-node',
      seed,
      urls: [url],
      base: `http://127.0.0.1:${port}`,
      sdkClients: 4,
      rawClients: 3,
      rooms: 3,
      maxActions: 3_000 * ROUNDS,
      workDeadline: Date.now() + 75_000 * ROUNDS,
      cuts: { random: 0.01, lostAck: 0.01, skipAhead: 0.5 },
      readerUrl: () => url,
      async faults(cast, rng) {
        let kills = 0;
        for (let i = 0; i < KILLS * ROUNDS; i++) {
          await pause(rng.int(1_500, 3_000));
          const running = child;
          if (!running) break;
          running.kill('SIGKILL');
          await exited(running);
          kills += 1;
          cast.event(`server SIGKILLed (${kills})`);
          await pause(rng.int(0, 400));
          await start();
          cast.event('server up');
        }
        return { kills };
      },
    });

    console.log(result.summary);
    if (!result.findings.clean) console.log(result.notes.join('\n'));
    assert.ok(result.faults.kills >= 10, 'the server was SIGKILLed at least ten times');
    assert.ok(result.messages > 0, 'the clients got messages through');
    assert.deepEqual(
      result.findings.bad,
      { lost: 0, duplicated: 0, outOfOrder: 0, liveGaps: 0, viewMismatches: 0, cursorViolations: 0 },
      `seed ${seed}:\n${result.notes.join('\n')}`,
    );
    assert.deepEqual(result.unsettled, [], 'every client reconnected and drained its outbox once the faults were healed');
  });
});
