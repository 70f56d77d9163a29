/**
 * Seeded randomized convergence: several clients edit the text and the task
 * list at random, drop off and come back at random, and the server restarts
 * half-way. At the end every replica, the stored log read while the server
 * runs, and the document a stopped server left behind are identical.
 *
 * Replay a failure with PARLEY_CONVERGENCE_SEED=<seed printed on failure>.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Y from 'yjs';
import { createRoom } from './helpers.js';
import { docFromStored, openProvider, startWorkspaceServer, synced, waitUntil } from './workspace-helpers.js';
import type { TestProvider } from './workspace-helpers.js';

const CLIENTS = 5;
const ROUNDS = 80;
const ALPHABET = 'abcdefghij klmnop\n';

/** mulberry32: small, fast and fully determined by its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a user would see: the text and the tasks. */
function contentOf(doc: Y.Doc): { body: string; tasks: unknown } {
  return { body: doc.getText('body').toString(), tasks: doc.getMap('tasks').toJSON() };
}

/** JSON with sorted keys: replicas may hold a map's keys in different insertion orders. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** One random edit of the text or the task list. */
function randomEdit(doc: Y.Doc, next: () => number, user: string, counter: { n: number }): void {
  const pick = (n: number): number => Math.floor(next() * n);
  const body = doc.getText('body');
  const tasks = doc.getMap<Y.Map<unknown>>('tasks');
  const roll = next();
  if (roll < 0.45) {
    const text = Array.from({ length: 1 + pick(6) }, () => ALPHABET[pick(ALPHABET.length)]).join('');
    body.insert(pick(body.length + 1), text);
  } else if (roll < 0.6 && body.length > 0) {
    const at = pick(body.length);
    body.delete(at, 1 + pick(Math.min(5, body.length - at)));
  } else if (roll < 0.75) {
    const id = `${user}-${++counter.n}`;
    doc.transact(() => {
      const task = new Y.Map<unknown>();
      tasks.set(id, task);
      task.set('text', `task ${id}`);
      task.set('done', false);
      task.set('order', `a${pick(1000)}`);
      task.set('createdBy', user);
    });
  } else {
    const ids = [...tasks.keys()].sort();
    if (ids.length === 0) return;
    const id = ids[pick(ids.length)];
    const task = tasks.get(id);
    const action = next();
    if (action < 0.2) tasks.delete(id);
    else if (task && action < 0.6) task.set('done', !task.get('done'));
    else if (task) task.set('text', `${String(task.get('text'))}!`);
  }
}

describe('workspace convergence', () => {
  it('every replica and the stored document end identical after random edits, drops and a restart', async () => {
    const seed = Number(process.env.PARLEY_CONVERGENCE_SEED ?? Math.floor(Math.random() * 1_000_000));
    const next = random(seed);
    const ws = await startWorkspaceServer();
    const clients: TestProvider[] = [];
    try {
      const owner = await ws.chat('u0');
      const users = Array.from({ length: CLIENTS }, (_, i) => `u${i}`);
      const room = await createRoom(owner, users.slice(1), 'workspace', 'Convergence');
      for (const user of users) clients.push(await openProvider(ws, user, room));
      await Promise.all(clients.map((c) => synced(c)));
      const counter = { n: 0 };

      for (let round = 0; round < ROUNDS; round++) {
        if (round === ROUNDS / 2) await ws.restart();
        for (let i = 0; i < clients.length; i++) {
          const client = clients[i];
          const roll = next();
          if (client.provider.shouldConnect && roll < 0.06) {
            client.provider.disconnect();
          } else if (client.provider.shouldConnect && roll < 0.09) {
            // A network drop rather than a goodbye: the provider reconnects by itself.
            client.provider.ws?.close();
          } else if (!client.provider.shouldConnect && roll < 0.3) {
            client.provider.connect();
          }
          const edits = 1 + Math.floor(next() * 3);
          for (let e = 0; e < edits; e++) randomEdit(client.doc, next, users[i], counter);
        }
        // Let the sockets move: a few milliseconds, chosen by the seed too.
        await new Promise((resolve) => setTimeout(resolve, Math.floor(next() * 8)));
      }

      for (const client of clients) client.provider.connect();
      const same = (): boolean => {
        const vectors = clients.map((c) => Buffer.from(Y.encodeStateVector(c.doc)).toString('hex'));
        const contents = clients.map((c) => canonical(contentOf(c.doc)));
        return clients.every((c) => c.provider.synced) && new Set(vectors).size === 1 && new Set(contents).size === 1;
      };
      await waitUntil(same, 'the replicas converge', 30_000);
      const expected = contentOf(clients[0].doc);
      const expectedVector = Y.encodeStateVector(clients[0].doc);
      assert.ok(counter.n > 0 && expected.body.length > 0, 'the run made edits');

      // Updates are relayed before their commit; once the commits land, the log holds every replica's state.
      let live = docFromStored(await ws.stored(room));
      for (let attempt = 0; attempt < 100 && !Buffer.from(Y.encodeStateVector(live)).equals(Buffer.from(expectedVector)); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        live = docFromStored(await ws.stored(room));
      }
      assert.deepEqual(contentOf(live), expected);
      assert.deepEqual(Y.encodeStateVector(live), expectedVector);

      for (const client of clients) client.destroy();
      await ws.stop();
      const stopped = docFromStored(await ws.stored(room));
      assert.deepEqual(contentOf(stopped), expected);
      assert.deepEqual(Y.encodeStateVector(stopped), expectedVector);
    } catch (error) {
      console.error(`workspace convergence failed with PARLEY_CONVERGENCE_SEED=${seed}`);
      throw error;
    } finally {
      for (const client of clients) client.destroy();
      await ws.close();
    }
  });
});
