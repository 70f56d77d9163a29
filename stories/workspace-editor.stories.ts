/**
 * `<workspace-editor>` in each of its states, rendered by the real SDK and
 * element from a workspace recorded against the real server (see
 * `record-workspace.ts`). Story clients have no network, so every story is
 * a device offline: the document comes from the recording.
 */
import { html } from 'lit';
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../packages/elements/src/components/workspace-editor/workspace-editor.js';
import type { ParleyClient } from '@parley/sdk';
import { recordedClient } from './support/recorded-client.js';
import { loadRecordedWorkspace, workspace } from './support/workspace-recording.js';
import { isDark, shows, textOf } from './support/shows.js';

interface Args {
  /** Put the recorded document into the workspace. */
  filled: boolean;
  /** Show the room as a member without edit rights sees it. */
  readOnly?: boolean;
  theme?: 'light' | 'dark';
}

const frame = 'display:block;height:520px;max-width:960px;';

/** A recorded client (offline) whose workspace holds the recording, if `filled`. */
function storyClient({ filled, readOnly }: Args): ParleyClient {
  const client = recordedClient(workspace);
  if (filled) void loadRecordedWorkspace(client, workspace);
  if (readOnly) markReadOnly(client, workspace.room);
  return client;
}

/**
 * The server tells a read-only member so when they connect; a story has no
 * server, so it sets the flag the SDK would set, in the client's state.
 */
function markReadOnly(client: ParleyClient, room: string): void {
  const store = client.store as unknown as { setState(next: (s: object) => object): void; subscribe: ParleyClient['store']['subscribe'] };
  const apply = (): void =>
    store.setState((s) => {
      const all = (s as { workspaces?: Record<string, { readOnly: boolean }> }).workspaces ?? {};
      const current = all[room];
      return !current || current.readOnly ? s : { ...s, workspaces: { ...all, [room]: { ...current, readOnly: true } } };
    });
  // After the SDK's own update has reached every subscriber, not in the middle of it.
  client.store.subscribe((s) => s.workspaces[room], () => queueMicrotask(apply));
  apply();
}

const meta: Meta<Args> = {
  title: 'Elements/workspace-editor',
  component: 'workspace-editor',
  render: (args) =>
    html`<workspace-editor room=${workspace.room} theme=${args.theme ?? 'light'} style=${frame} .client=${storyClient(args)}></workspace-editor>`,
};
export default meta;

type Story = StoryObj<Args>;

const TAG = 'workspace-editor';
const editorText = (root: ShadowRoot) => textOf(root.querySelector('[part~="editor"]'));
const taskCount = (root: ShadowRoot) => root.querySelectorAll('[part~="task"]').length;

/** A workspace nobody has written in yet. */
export const Empty: Story = {
  args: { filled: false },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'an empty document and task list', (root) => root.querySelector('[part~="editor"]') !== null && textOf(root).includes('No tasks yet.')),
};

/** Ada and Grace's launch plan: the document and three tasks, one of them done. */
export const WithTextAndTasks: Story = {
  args: { filled: true },
  play: ({ canvasElement }) =>
    shows(
      canvasElement,
      TAG,
      'the recorded document and tasks',
      (root) =>
        editorText(root).includes('Ship the beta') &&
        taskCount(root) === 3 &&
        root.querySelectorAll('[part~="task"][data-done="true"]').length === 1,
    ),
};

/** A member without edit rights: read-only document, disabled task controls, a notice. */
export const ReadOnly: Story = {
  args: { filled: true, readOnly: true },
  play: ({ canvasElement }) =>
    shows(
      canvasElement,
      TAG,
      'the read-only notice and a document that cannot be edited',
      (root) =>
        root.querySelector('[part~="notice"]') !== null &&
        root.querySelector('[part~="editor"]')?.getAttribute('contenteditable') === 'false' &&
        (root.querySelector('[part~="task-input"]') as HTMLInputElement | null)?.disabled === true,
    ),
};

/** Offline with edits waiting on this device. */
export const OfflineWithPending: Story = {
  args: { filled: true },
  play: ({ canvasElement }) =>
    shows(
      canvasElement,
      TAG,
      '"Offline — changes kept on this device"',
      (root) => root.querySelector('[part~="sync-status"]')?.getAttribute('data-state') === 'offline' && editorText(root).includes('Launch plan'),
    ),
};

/** The dark theme. */
export const Dark: Story = {
  args: { filled: true, theme: 'dark' },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'a dark background', (root) => {
      const base = root.querySelector('[part~="base"]');
      return base !== null && isDark(getComputedStyle(base).backgroundColor) && taskCount(root) === 3;
    }),
};
