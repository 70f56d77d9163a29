/** The task-list helpers over a Yjs document: order, moves, ties, limits and merging of concurrent edits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Y from 'yjs';
import { WorkspaceTasks } from '../src/workspace/workspace-tasks.js';
import { LimitError } from '../src/index.js';
import { MAX_TASK_TEXT } from '../src/protocol/workspace.js';

const texts = (tasks: WorkspaceTasks): string[] => tasks.list().map((t) => t.text);

/** Exchanges everything between two documents, as a server would. */
function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('workspace tasks', () => {
  it('adds at the end or next to another task, and records who added it', () => {
    const tasks = new WorkspaceTasks(new Y.Doc(), () => 'ada');
    const b = tasks.add('b');
    tasks.add('d');
    tasks.add('a', { before: b });
    tasks.add('c', { after: b });
    assert.deepEqual(texts(tasks), ['a', 'b', 'c', 'd']);
    assert.ok(tasks.list().every((t) => t.createdBy === 'ada' && t.done === false));
  });

  it('toggles, renames, moves and removes; unknown ids change nothing', () => {
    const tasks = new WorkspaceTasks(new Y.Doc(), () => 'ada');
    const [one, two, three] = ['one', 'two', 'three'].map((t) => tasks.add(t));
    assert.equal(tasks.toggle(two), true);
    assert.equal(tasks.list().find((t) => t.id === two)?.done, true);
    assert.equal(tasks.toggle(two, true), true);
    assert.equal(tasks.list().find((t) => t.id === two)?.done, true);
    assert.equal(tasks.setText(one, 'uno'), true);
    assert.equal(tasks.move(three, { before: one }), true);
    assert.deepEqual(texts(tasks), ['three', 'uno', 'two']);
    assert.equal(tasks.move(three, { after: two }), true);
    assert.deepEqual(texts(tasks), ['uno', 'two', 'three']);
    assert.equal(tasks.remove(two), true);
    assert.deepEqual(texts(tasks), ['uno', 'three']);
    assert.equal(tasks.toggle('nope'), false);
    assert.equal(tasks.move(one, { before: 'nope' }), false);
    assert.equal(tasks.move(one, { before: one }), false);
    assert.equal(tasks.remove('nope'), false);
    assert.deepEqual(texts(tasks), ['uno', 'three']);
  });

  it('refuses task text over the limit with a LimitError', () => {
    const tasks = new WorkspaceTasks(new Y.Doc(), () => 'ada');
    assert.throws(() => tasks.add('x'.repeat(MAX_TASK_TEXT + 1)), (error: unknown) => {
      assert.ok(error instanceof LimitError);
      assert.equal(error.code, 'text_too_long');
      return true;
    });
    const id = tasks.add('x'.repeat(MAX_TASK_TEXT));
    assert.throws(() => tasks.setText(id, 'y'.repeat(MAX_TASK_TEXT + 1)), LimitError);
    assert.equal(tasks.list().length, 1);
  });

  it('orders concurrent appends the same on both sides and can move between tied tasks', () => {
    const adaDoc = new Y.Doc();
    const bobDoc = new Y.Doc();
    const ada = new WorkspaceTasks(adaDoc, () => 'ada');
    const bob = new WorkspaceTasks(bobDoc, () => 'bob');
    const first = ada.add('first');
    sync(adaDoc, bobDoc);
    // Both append after "first" while apart: their keys tie.
    ada.add('from ada');
    bob.add('from bob');
    sync(adaDoc, bobDoc);
    assert.deepEqual(texts(ada), texts(bob), 'one order everywhere');
    const [, x, y] = ada.list();
    assert.equal(x.order, y.order, 'the concurrent keys tie');
    // Moving "first" between the tied pair renumbers them.
    assert.equal(ada.move(first, { after: x.id }), true);
    assert.deepEqual(
      ada.list().map((t) => t.id),
      [x.id, first, y.id],
    );
    sync(adaDoc, bobDoc);
    assert.deepEqual(texts(bob), texts(ada));
  });

  it('skips entries that are not task maps and tolerates foreign order keys', () => {
    const doc = new Y.Doc();
    const map = doc.getMap<unknown>('tasks');
    map.set('junk', 'not a task');
    const odd = new Y.Map<unknown>();
    map.set('odd', odd);
    odd.set('order', '!!not a key');
    odd.set('text', 42);
    const tasks = new WorkspaceTasks(doc, () => 'ada');
    assert.deepEqual(tasks.list().map((t) => [t.id, t.text]), [['odd', '']]);
    const added = tasks.add('after odd');
    // The foreign key cannot be extended, so the list was renumbered with the new task last.
    assert.deepEqual(tasks.list().map((t) => t.id), ['odd', added]);
    assert.notEqual(odd.get('order'), '!!not a key');
  });

  it('reports every change to observers with the new list', () => {
    const tasks = new WorkspaceTasks(new Y.Doc(), () => 'ada');
    const seen: string[][] = [];
    const off = tasks.observe((list) => seen.push(list.map((t) => t.text)));
    const id = tasks.add('watch');
    tasks.toggle(id);
    off();
    tasks.remove(id);
    assert.deepEqual(seen, [['watch'], ['watch']]);
  });
});
