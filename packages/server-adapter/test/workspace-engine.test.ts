/**
 * The workspace engine on its own, with real worker threads: a job past its
 * budget is refused and its thread replaced; the other documents of that
 * thread are read again (through their owners' `restore`) before their next
 * job, which then runs; a document that cannot be loaded again within the
 * budget is given up (`broken`); a refused sender's queued jobs are dropped;
 * closing interrupts a busy thread.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import * as Y from 'yjs';
import { EngineBudgetError, EngineClosedError, EngineDocumentGone } from '../src/workspaces/engine/engine-errors.js';
import { SKIPPED, WorkspaceEngine } from '../src/workspaces/engine/engine.js';
import type { DocHooks } from '../src/workspaces/engine/engine.js';
import { hostileUpdate, waitUntil } from './workspace-helpers.js';

const ITEMS = 5_000;

/** An update inserting `text` at the start of the body. */
function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('body').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/** The body of an encoded document. */
function bodyOfUpdate(update: Uint8Array): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc.getText('body').toString();
}

/** Hooks that restore from `stored()` and record what happened. */
function hooks(stored: () => Uint8Array[]): DocHooks & { restores: number; broke: EngineBudgetError | null } {
  const record = {
    restores: 0,
    broke: null as EngineBudgetError | null,
    restore: () => {
      record.restores += 1;
      return Promise.resolve(stored());
    },
    broken: (error: EngineBudgetError) => {
      record.broke = error;
    },
  };
  return record;
}

describe('workspace engine', () => {
  it('refuses a job past its budget, restores the thread\'s other documents from their owners, and runs their jobs', async () => {
    const engine = new WorkspaceEngine({ threads: 1, budgets: { update: 250, document: 10_000 }, logger: pino({ level: 'silent' }) });
    try {
      const calm = [textUpdate('calm')];
      const calmHooks = hooks(() => calm);
      const attackedHooks = hooks(() => [hostileUpdate(1, ITEMS)]);
      await engine.open('calm', calm, calmHooks);
      await engine.open('attacked', [hostileUpdate(1, ITEMS)], attackedHooks);

      await assert.rejects(engine.apply('attacked', hostileUpdate(2, ITEMS), null, () => false), (error: Error) => {
        assert.ok(error instanceof EngineBudgetError);
        assert.equal(error.budget, 'update');
        return true;
      });
      // Queued right after: the calm document is read again from its owner, then the edit applies.
      const outcome = await engine.apply('calm', textUpdate('more '), null, () => false);
      assert.ok(typeof outcome === 'object' && outcome.kind === 'applied');
      assert.equal(calmHooks.restores, 1);
      assert.equal(bodyOfUpdate(await engine.encode('calm')).includes('calm'), true);
      // The attacked document comes back as stored, without the refused update.
      assert.equal(bodyOfUpdate(await engine.encode('attacked')).length, ITEMS);
      assert.equal(attackedHooks.restores, 1);
    } finally {
      await engine.close();
    }
  });

  it('gives a document up when it cannot be loaded again within the document budget', async () => {
    const engine = new WorkspaceEngine({ threads: 1, budgets: { update: 250, document: 500 }, logger: pino({ level: 'silent' }) });
    try {
      // Stored later by someone else (another node): loading both takes far longer than the document budget.
      const restored = [hostileUpdate(1, ITEMS), hostileUpdate(2, ITEMS)];
      const doomed = hooks(() => restored);
      await engine.open('doomed', [], doomed);
      await engine.open('other', [hostileUpdate(3, ITEMS)], hooks(() => [hostileUpdate(3, ITEMS)]));
      await assert.rejects(engine.apply('other', hostileUpdate(4, ITEMS), null, () => false), EngineBudgetError);
      await engine.apply('other', textUpdate('fine'), null, () => false);

      await assert.rejects(engine.stateVector('doomed'), EngineDocumentGone);
      assert.ok(doomed.broke instanceof EngineBudgetError, 'the owner heard that the document is given up');
      assert.equal(doomed.broke.budget, 'document');
      await assert.rejects(engine.stateVector('doomed'), EngineDocumentGone, 'it stays given up');
    } finally {
      await engine.close();
    }
  });

  it('drops a refused sender\'s queued jobs when asked', async () => {
    const engine = new WorkspaceEngine({ threads: 1, budgets: { update: 250, document: 10_000 }, logger: pino({ level: 'silent' }) });
    try {
      await engine.open('room', [hostileUpdate(1, ITEMS)], hooks(() => [hostileUpdate(1, ITEMS)]));
      let refused = false;
      const hostile = engine.apply('room', hostileUpdate(2, ITEMS), null, () => refused).catch((error: unknown) => {
        refused = true;
        throw error;
      });
      const after = engine.apply('room', textUpdate('after'), null, () => refused);
      await assert.rejects(hostile, EngineBudgetError);
      assert.equal(await after, SKIPPED);
      assert.ok(!bodyOfUpdate(await engine.encode('room')).includes('after'));
    } finally {
      await engine.close();
    }
  });

  it('close() interrupts a busy thread and fails what waits', async () => {
    const engine = new WorkspaceEngine({ threads: 1, budgets: { update: 600_000, document: 600_000 }, logger: pino({ level: 'silent' }) });
    await engine.open('room', [hostileUpdate(1, ITEMS)], hooks(() => []));
    const busy = assert.rejects(engine.apply('room', hostileUpdate(2, 20 * ITEMS), null, () => false), EngineClosedError);
    const waiting = assert.rejects(engine.stateVector('room'), EngineClosedError);
    // Closed while the thread is in the merge (minutes of work at this size).
    await waitUntil(() => engine.busyThreads === 1, 'the thread is in the merge');
    await engine.close();
    await busy;
    await waiting;
    await assert.rejects(engine.stateVector('room'), EngineClosedError);
  });
});
