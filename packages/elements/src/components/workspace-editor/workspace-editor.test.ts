/**
 * `<workspace-editor>` against a real Parley server (started by the test
 * runner) with real WebSockets and keyboard input: typing reaches another
 * user, tasks are added, checked, reordered and deleted from the keyboard,
 * a read-only member cannot change anything, hostile awareness states are
 * cleaned, a change the server refuses as too complex is explained, and axe
 * in both themes. The offline → reload → merge path runs
 * end to end in `e2e/workspace-offline.test.ts`.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import * as Y from 'yjs';
import { createClient, ErrorCode } from '@parley/sdk';
import type { ParleyClient } from '@parley/sdk';
import './workspace-editor.js';
import type { WorkspaceEditor } from './workspace-editor.component.js';
import { syncShown } from './workspace-editor.component.js';
import { workspaceEditorStrings } from './workspace-editor.strings.js';
import { cleanUser, SafeAwareness } from './safe-awareness.js';
import type { AwarenessLike } from './safe-awareness.js';
import type { ParleyTaskAddEvent } from '../../events/parley-task-add.js';
import { unique, until } from '../../../../../test-support/browser.js';

const SERVER = 'workspace-editor';
const open: ParleyClient[] = [];

async function serverUrl(): Promise<string> {
  return executeServerCommand<string, { name: string }>('parley-server-url', { name: SERVER });
}

/** An online client for a fresh user (memory storage: nothing outlives the test). */
async function signIn(user: string): Promise<ParleyClient> {
  const url = await serverUrl();
  const token = await executeServerCommand<string, { name: string; user: string; userName: string }>('parley-token', {
    name: SERVER,
    user,
    userName: user,
  });
  const client = createClient({ url, token, offline: 'memory', reconnect: { baseMs: 50, capMs: 500 } });
  open.push(client);
  await client.connect();
  await client.whenOnline();
  return client;
}

/** Two users in a fresh room (`broadcast`: the second one may read only), each with an editor. */
async function pair(kind: 'group' | 'broadcast' = 'group') {
  const ada = await signIn(unique('ada'));
  const bob = await signIn(unique('bob'));
  const bobId = bob.store.getState().user?.id ?? '';
  const room = (await ada.createRoom({ kind, name: 'Plans', members: [bobId] })).id;
  const a = await fixture<WorkspaceEditor>(html`<workspace-editor room=${room} .client=${ada}></workspace-editor>`);
  const b = await fixture<WorkspaceEditor>(html`<workspace-editor room=${room} .client=${bob}></workspace-editor>`);
  await until(() => editor(a) !== null && editor(b) !== null, 'both editors mounted');
  await until(() => syncState(a) === 'saved' && syncState(b) === 'saved', 'both synced');
  return { a, b, ada, bob, room };
}

const root = (el: WorkspaceEditor): ShadowRoot => el.shadowRoot as ShadowRoot;
const editor = (el: WorkspaceEditor): HTMLElement | null => root(el).querySelector('[part~="editor"]');
/** The document's own text (without other people's caret labels or the placeholder). */
const editorText = (el: WorkspaceEditor): string => {
  const copy = editor(el)?.cloneNode(true) as HTMLElement | undefined;
  copy?.querySelectorAll('.cm-ySelectionCaret, .cm-placeholder, .cm-widgetBuffer').forEach((node) => node.remove());
  return (copy?.textContent ?? '').replace(/\u2060/g, '');
};
const taskInput = (el: WorkspaceEditor): HTMLInputElement => root(el).querySelector('[part~="task-input"]') as HTMLInputElement;
const tasks = (el: WorkspaceEditor): HTMLElement[] => [...root(el).querySelectorAll<HTMLElement>('[part~="task"]')];
const taskTexts = (el: WorkspaceEditor): string[] => tasks(el).map((t) => t.querySelector('[part~="task-text"]')?.textContent ?? '');
const task = (el: WorkspaceEditor, text: string): HTMLElement | undefined => tasks(el).find((t) => t.textContent?.includes(text));
const syncState = (el: WorkspaceEditor): string => root(el).querySelector('[part~="sync-status"]')?.getAttribute('data-state') ?? '';
const control = (t: HTMLElement | undefined, part: string): HTMLElement => {
  const found = t?.querySelector<HTMLElement>(`[part~="${part}"]`);
  if (!found) throw new Error(`no ${part}`);
  return found;
};

/** Presses `key` with Alt held. */
async function altPress(key: string): Promise<void> {
  await sendKeys({ down: 'Alt' });
  await sendKeys({ press: key });
  await sendKeys({ up: 'Alt' });
}

/** An update from `clientID` inserting `items` characters one by one at index 0: cheap alone, quadratic to merge with another. */
function hostileUpdate(clientID: number, items: number): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  doc.transact(() => {
    for (let i = 0; i < items; i++) doc.getText('body').insert(0, 'x');
  });
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.dispose()));
});

describe('<workspace-editor>', () => {
  it('sends what one user types in part="editor" to the other, and shows who is here', async () => {
    const { a, b } = await pair();
    editor(a)?.focus();
    await sendKeys({ type: 'Hello from Ada' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ type: 'second line' });
    await until(() => editorText(b).includes('Hello from Ada') && editorText(b).includes('second line'), 'bob sees the text');
    expect(editor(b)?.querySelectorAll('.cm-line')).to.have.length(2);

    editor(b)?.focus();
    await sendKeys({ down: 'Control' });
    await sendKeys({ press: 'End' });
    await sendKeys({ up: 'Control' });
    await sendKeys({ type: ' and Bob' });
    await until(() => editorText(a).includes('second line and Bob'), 'ada sees bob’s edit');

    // Presence: each sees the other, named, and themselves marked.
    const names = (el: WorkspaceEditor) => [...root(el).querySelectorAll('[part~="presence-user"]')].map((p) => p.textContent ?? '');
    await until(() => names(a).length === 2 && names(b).length === 2, 'both present on both sides');
    expect(root(a).querySelector('[part~="presence-user"][data-self="true"]')?.textContent).to.contain('(you)');
    // Ada's caret shows on Bob's side under her name, as text.
    editor(a)?.focus();
    await until(() => root(b).querySelector('.cm-ySelectionInfo') !== null, 'ada’s caret at bob');
    expect(root(b).querySelector('.cm-ySelectionInfo')?.textContent).to.match(/^ada-/);
  });

  it('adds, checks, reorders and deletes tasks with the keyboard, and the other user sees each change', async () => {
    const { a, b, room } = await pair();
    const added: string[] = [];
    a.addEventListener('parley-task-add', (e: ParleyTaskAddEvent) => added.push(`${e.room}:${e.text}`));
    taskInput(a).focus();
    for (const text of ['Buy milk', 'Call the plumber', 'Water plants']) {
      await sendKeys({ type: text });
      await sendKeys({ press: 'Enter' });
    }
    expect(added).to.deep.equal([`${room}:Buy milk`, `${room}:Call the plumber`, `${room}:Water plants`]);
    expect(taskInput(a).value).to.equal('');
    await until(() => taskTexts(b).join('|') === 'Buy milk|Call the plumber|Water plants', 'bob sees three tasks in order');

    // Space on the checkbox checks it.
    control(task(a, 'Buy milk'), 'task-check').focus();
    await sendKeys({ press: 'Space' });
    await until(() => task(b, 'Buy milk')?.dataset.done === 'true', 'bob sees it done');

    // Alt+ArrowUp moves the focused task; focus stays on it.
    control(task(a, 'Water plants'), 'task-check').focus();
    await altPress('ArrowUp');
    await altPress('ArrowUp');
    await until(() => taskTexts(b).join('|') === 'Water plants|Buy milk|Call the plumber', 'bob sees the new order');
    expect(taskTexts(a)).to.deep.equal(['Water plants', 'Buy milk', 'Call the plumber']);
    expect(root(a).activeElement?.closest('[part~="task"]')?.textContent).to.contain('Water plants');
    await altPress('ArrowDown');
    await until(() => taskTexts(b).join('|') === 'Buy milk|Water plants|Call the plumber', 'bob sees it moved down');

    // ArrowDown goes to the next task; Tab reaches its delete button; Enter deletes and focus moves on.
    await sendKeys({ press: 'ArrowDown' });
    expect(root(a).activeElement?.closest('[part~="task"]')?.textContent).to.contain('Call the plumber');
    control(task(a, 'Buy milk'), 'task-check').focus();
    await sendKeys({ press: 'Tab' });
    expect(root(a).activeElement?.getAttribute('part')).to.equal('task-delete');
    await sendKeys({ press: 'Enter' });
    await until(() => taskTexts(b).join('|') === 'Water plants|Call the plumber', 'bob sees it deleted');
    expect(root(a).activeElement?.closest('[part~="task"]')?.textContent).to.contain('Water plants');
  });

  it('refuses a task over max-task-length with a message, and a cancelled add adds nothing', async () => {
    const { a, b } = await pair();
    a.maxTaskLength = 10;
    await a.updateComplete;
    taskInput(a).focus();
    await sendKeys({ type: 'far too long a task' });
    await sendKeys({ press: 'Enter' });
    await a.updateComplete;
    expect(root(a).querySelector('[part~="task-error"]')?.textContent).to.contain('10 characters');
    expect(tasks(a)).to.have.length(0);
    expect(taskInput(a).value).to.equal('far too long a task');

    a.addEventListener('parley-task-add', (e) => e.preventDefault(), { once: true });
    taskInput(a).value = '';
    taskInput(a).dispatchEvent(new Event('input'));
    await sendKeys({ type: 'short' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ type: 'kept' });
    await sendKeys({ press: 'Enter' });
    await until(() => taskTexts(b).join('|') === 'kept', 'only the second task reaches bob');
    expect(taskTexts(a)).to.deep.equal(['kept']);
  });

  it('shows a read-only member the document and tasks without letting them change anything', async () => {
    const { a, b } = await pair('broadcast');
    editor(a)?.focus();
    await sendKeys({ type: 'Announcement' });
    taskInput(a).focus();
    await sendKeys({ type: 'Read me' });
    await sendKeys({ press: 'Enter' });
    await until(() => editorText(b).includes('Announcement') && taskTexts(b).includes('Read me'), 'bob reads it');

    await until(() => root(b).querySelector('[part~="notice"]') !== null, 'bob sees the read-only notice');
    expect(editor(b)?.getAttribute('contenteditable')).to.equal('false');
    expect(taskInput(b).disabled).to.equal(true);
    expect((control(task(b, 'Read me'), 'task-check') as HTMLInputElement).disabled).to.equal(true);
    expect((control(task(b, 'Read me'), 'task-delete') as HTMLButtonElement).disabled).to.equal(true);
    expect(root(a).querySelector('[part~="notice"]')).to.equal(null);

    // Typing into the read-only surface changes nothing, here or at Ada's.
    editor(b)?.focus();
    await sendKeys({ type: 'vandalism' });
    await sendKeys({ press: 'Backspace' });
    editor(a)?.focus();
    await sendKeys({ type: '!' });
    await until(() => editorText(b).includes('Announcement!'), 'a later edit of Ada arrives');
    expect(editorText(b)).to.not.contain('vandalism');
    expect(editorText(a)).to.equal('Announcement!');
  });

  it('tells a non-member the workspace is not theirs, and offers no editing', async () => {
    const ada = await signIn(unique('ada'));
    const eve = await signIn(unique('eve'));
    const room = (await ada.createRoom({ kind: 'group', name: 'Private' })).id;
    const el = await fixture<WorkspaceEditor>(html`<workspace-editor room=${room} .client=${eve}></workspace-editor>`);
    await until(() => syncState(el) === 'failed', 'the refusal shown');
    // The banner's sentence comes with the first failure's module: wait for it rather than for a fixed time.
    await until(() => (root(el).querySelector('[part~="banner"]')?.textContent ?? '').includes('may not open this workspace'), 'the refusal explained');
    expect(root(el).querySelector<HTMLElement>('[part~="banner"]')?.dataset.code).to.equal('not_member');
    expect(taskInput(el).disabled).to.equal(true);
    expect(editor(el)?.getAttribute('contenteditable')).to.equal('false');
  });

  it('says so when the server refuses a change as too complex, and offers no more editing', async () => {
    const ada = await signIn(unique('ada'));
    const room = (await ada.createRoom({ kind: 'group', name: 'Poisoned' })).id;
    const el = await fixture<WorkspaceEditor>(html`<workspace-editor room=${room} .client=${ada}></workspace-editor>`);
    await until(() => syncState(el) === 'saved', 'synced');
    // Two changes inserting thousands of characters at the same place from two clients: merging them takes the server far past its budget.
    const workspace = await ada.workspace(room);
    try {
      Y.applyUpdate(workspace.doc, hostileUpdate(7_000_001, 3_000));
      await workspace.whenSynced();
      Y.applyUpdate(workspace.doc, hostileUpdate(7_000_002, 3_000));
      await until(() => syncState(el) === 'failed', 'the refusal shown');
      expect(root(el).querySelector('[part~="banner"]')?.textContent).to.equal(workspaceEditorStrings.changeTooComplex);
      expect(taskInput(el).disabled).to.equal(true);
      expect(editor(el)?.getAttribute('contenteditable')).to.equal('false');
    } finally {
      workspace.release();
    }
  });

  it('renders task text as text, never HTML', async () => {
    const { a, b } = await pair();
    const payload = '<img src=x onerror="window.pwnedByTask=1">';
    taskInput(a).focus();
    await sendKeys({ type: payload });
    await sendKeys({ press: 'Enter' });
    await until(() => taskTexts(b).includes(payload), 'bob sees the payload as text');
    expect(root(b).querySelector('[part~="task"] img')).to.equal(null);
    expect((window as unknown as { pwnedByTask?: number }).pwnedByTask).to.equal(undefined);
  });

  it('is accessible in light and dark themes', async () => {
    const { a } = await pair();
    taskInput(a).focus();
    await sendKeys({ type: 'A task' });
    await sendKeys({ press: 'Enter' });
    await until(() => tasks(a).length === 1, 'task shown');
    await expect(a).to.be.accessible();
    a.theme = 'dark';
    await a.updateComplete;
    await expect(a).to.be.accessible();
    expect(editor(a)?.getAttribute('aria-label')).to.equal('Shared document');
  });

  it('says why without a client, and leaves the document with Tab', async () => {
    const el = await fixture<WorkspaceEditor>(html`<workspace-editor room="nowhere"></workspace-editor>`);
    expect(root(el).querySelector('[part~="banner"]')?.textContent).to.contain('Not connected');

    const { a } = await pair();
    editor(a)?.focus();
    await sendKeys({ type: 'x' });
    await sendKeys({ press: 'Tab' });
    expect(root(a).activeElement).to.not.equal(editor(a));
    expect(editorText(a)).to.equal('x');
  });
});

describe('workspace awareness cleaning', () => {
  it('replaces hostile colours, cuts long names and drops malformed cursors', () => {
    expect(cleanUser({ id: 'u1', name: 'Ada', color: 'red; background:url(https://evil.example)' })?.color).to.match(/^#[0-9a-f]{6}$/i);
    expect(cleanUser({ id: 'u1', name: 'x'.repeat(500), color: '#123456' })).to.deep.equal({ id: 'u1', name: 'x'.repeat(64), color: '#123456' });
    expect(cleanUser({ name: 'no id' })).to.equal(null);
    expect(cleanUser('nonsense')).to.equal(null);

    const states = new Map<number, Record<string, unknown>>([
      [1, { user: { id: 'me', name: 'Me', color: '#000000' } }],
      [2, { user: { id: 'eve', name: 'Eve', color: 'url(x)', colorLight: 'url(y)' }, cursor: { anchor: 'bad', head: {} } }],
      [3, { cursor: { anchor: {}, head: {} } }],
    ]);
    const inner: AwarenessLike = {
      doc: { clientID: 1 },
      clientID: 1,
      getLocalState: () => states.get(1) ?? null,
      setLocalStateField: () => undefined,
      getStates: () => states,
      on: () => undefined,
      off: () => undefined,
    };
    const clean = new SafeAwareness(inner).getStates();
    expect([...clean.keys()]).to.deep.equal([1, 2]);
    expect(clean.get(2)).to.deep.equal({ user: { id: 'eve', name: 'Eve', color: cleanUser({ id: 'eve' })?.color }, cursor: null });
    expect(new SafeAwareness(inner).participants('me').map((p) => [p.id, p.self])).to.deep.equal([
      ['me', true],
      ['eve', false],
    ]);
  });

  it('maps workspace states to what the sync line says', () => {
    const base = { status: 'synced', pending: false, readOnly: false, error: null } as const;
    expect(syncShown(undefined, false)).to.equal('loading');
    expect(syncShown(base, false)).to.equal('saved');
    expect(syncShown({ ...base, pending: true }, false)).to.equal('syncing');
    expect(syncShown({ ...base, status: 'connecting' }, false)).to.equal('syncing');
    expect(syncShown({ ...base, status: 'offline', pending: true }, false)).to.equal('offline');
    expect(syncShown(base, true)).to.equal('offline');
    // Offline while retrying is not a failure; a refusal for good is.
    expect(syncShown({ ...base, status: 'offline', error: { code: 'disconnected', message: 'connection closed (1006)', retryable: true } }, false)).to.equal('offline');
    expect(syncShown({ ...base, status: 'offline', error: { code: ErrorCode.NotMember, message: 'you may not open this workspace', retryable: false } }, false)).to.equal('failed');
  });
});
