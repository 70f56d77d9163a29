/**
 * A workspace edit made offline survives a reload and merges when the server
 * is back: Ada's page (from a static host that stays up) edits the document
 * and the task list while the chat server is down, reloads, and still shows
 * her edits from the device; Grace edits too meanwhile; once the server is
 * back both see both edits, and a fresh load from the server shows them.
 * Driven through the documented hooks of `<workspace-editor>` on the
 * `/workspace/` example page (`part="editor"`, `part="task"`,
 * `part="task-input"`, `part="sync-status"`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AFTER_OUTAGE_MS, PAGE_ACTION_MS } from './helpers/bounds.js';
import { launchChromium } from './helpers/chromium.js';
import { eventually, type EventuallyOptions } from './helpers/eventually.js';
import { ParleyServerProcess } from './helpers/parley-server.js';
import { StaticServer } from './helpers/static-server.js';

const EDITOR = 'workspace-editor [part~="editor"]';
const TASK = 'workspace-editor [part~="task"]';
const TASK_INPUT = 'workspace-editor [part~="task-input"]';
const SYNC = 'workspace-editor [part~="sync-status"]';
const AFTER_RESTART: EventuallyOptions = { timeoutMs: AFTER_OUTAGE_MS };

const statics = new StaticServer();
let server: ParleyServerProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];
const errors: string[] = [];

before(async () => {
  await statics.listen();
  // Ada's page comes from the static host, which stays up while the chat server is down.
  server = new ParleyServerProcess({ extraOrigins: [statics.origin] });
  await server.start();
  browser = await launchChromium();
});

after(async () => {
  await Promise.allSettled(contexts.map((context) => context.close()));
  await browser?.close();
  await server?.dispose();
  await statics.close();
});

/** `user`'s tab on the workspace example, in a fresh profile, from `origin`. */
async function openWorkspace(user: string, room: string, origin: string): Promise<Page> {
  const context = await browser.newContext();
  context.setDefaultTimeout(PAGE_ACTION_MS);
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(`${user}: ${error.message}`));
  const params = new URLSearchParams({ user, room });
  if (origin !== server.url) params.set('server', server.url);
  await page.goto(`${origin}/workspace/?${params.toString()}`);
  return page;
}

/** What the user sees: the document's text, the tasks in order, the sync line's state. */
function shown(page: Page): Promise<{ text: string; tasks: string[]; sync: string }> {
  return page.evaluate(
    ([editor, task, sync]) => {
      const host = document.querySelector('workspace-editor');
      const root = host?.shadowRoot;
      const lines = [...(root?.querySelector(editor.replace('workspace-editor ', ''))?.querySelectorAll('.cm-line') ?? [])];
      return {
        // The document's own text: other people's caret labels and the placeholder are not part of it.
        text: lines
          .map((line) => {
            const copy = line.cloneNode(true) as HTMLElement;
            copy.querySelectorAll('.cm-ySelectionCaret, .cm-placeholder, .cm-widgetBuffer').forEach((el) => el.remove());
            return (copy.textContent ?? '').replace(/\u2060/g, '');
          })
          .join('\n'),
        tasks: [...(root?.querySelectorAll(task.replace('workspace-editor ', '')) ?? [])].map((t) =>
          (t.textContent ?? '').replace(/\s+/g, ' ').replace(/[↑↓×]/g, '').trim(),
        ),
        sync: root?.querySelector(sync.replace('workspace-editor ', ''))?.getAttribute('data-state') ?? '',
      };
    },
    [EDITOR, TASK, SYNC] as const,
  );
}

/** Waits until the page shows `what` (a predicate over {@link shown}). */
function waitFor(page: Page, what: string, done: (s: Awaited<ReturnType<typeof shown>>) => boolean, options?: EventuallyOptions) {
  return eventually(what, () => shown(page), done, options);
}

/** Types at the end of the document, as a user would. */
async function typeAtEnd(page: Page, text: string): Promise<void> {
  await page.locator(EDITOR).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

/** Types at the start of the document. */
async function typeAtStart(page: Page, text: string): Promise<void> {
  await page.locator(EDITOR).click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.type(text);
}

async function addTask(page: Page, text: string): Promise<void> {
  await page.locator(TASK_INPUT).fill(text);
  await page.locator(TASK_INPUT).press('Enter');
}

test('workspace edits made offline survive a reload and merge when the server is back', { timeout: 300_000 }, async () => {
  const room = 'plans';
  const ada = await openWorkspace('ada', room, statics.origin);
  await waitFor(ada, 'Ada’s workspace to open and sync', (s) => s.sync === 'saved');
  const grace = await openWorkspace('grace', room, server.url);
  await waitFor(grace, 'Grace’s workspace to open and sync', (s) => s.sync === 'saved');

  await typeAtEnd(ada, 'Agenda.');
  await addTask(ada, 'Book the room');
  await waitFor(grace, 'Grace to see Ada’s first edits', (s) => s.text === 'Agenda.' && s.tasks.join('|') === 'Book the room');
  await waitFor(ada, 'Ada’s first edits to be saved', (s) => s.sync === 'saved');

  await server.stop();
  await waitFor(ada, 'Ada’s page to say it is offline', (s) => s.sync === 'offline');

  await typeAtEnd(ada, ' Written offline.');
  await addTask(ada, 'Offline task');
  await typeAtStart(grace, 'Grace: ');
  await waitFor(ada, 'Ada’s offline edits on her page', (s) => s.text === 'Agenda. Written offline.' && s.tasks.length === 2);

  // Reloaded while the server is still down: the edits come back from the device, and the
  // sync line says offline once the first attempt to connect has failed (it may come after the text).
  await ada.reload();
  const reloaded = await waitFor(
    ada,
    'Ada’s offline edits after the reload, and the page saying it is offline',
    (s) => s.text === 'Agenda. Written offline.' && s.tasks.length === 2 && s.sync === 'offline',
  );
  assert.equal(reloaded.sync, 'offline');
  assert.deepEqual(reloaded.tasks, ['Book the room', 'Offline task']);

  await server.start();

  const merged = 'Grace: Agenda. Written offline.';
  await waitFor(grace, 'Grace to see Ada’s offline edits merged with hers', (s) => s.text === merged && s.tasks.length === 2, AFTER_RESTART);
  await waitFor(ada, 'Ada to see the merge and be saved', (s) => s.text === merged && s.sync === 'saved', AFTER_RESTART);

  // What the server stored: a fresh profile loads it from the server alone.
  const fresh = await openWorkspace('linus', room, server.url);
  const stored = await waitFor(fresh, 'a fresh load to show the merged workspace', (s) => s.sync === 'saved' && s.text === merged);
  assert.deepEqual(stored.tasks, ['Book the room', 'Offline task']);
  assert.deepEqual(errors, []);
});
