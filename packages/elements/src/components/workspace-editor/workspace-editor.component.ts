import { html, nothing } from 'lit';
import type { PropertyValues, TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { createRef, ref } from 'lit/directives/ref.js';
import { repeat } from 'lit/directives/repeat.js';
import { styleMap } from 'lit/directives/style-map.js';
import type { ParleyClient } from '@parley/sdk';
import { ErrorCode, MAX_TASK_TEXT, userColor } from '@parley/sdk/protocol';
import { failureOf } from '../../base/error-reporter.js';
import type { Failure } from '../../base/error-reporter.js';
import { ParleyElement } from '../../base/parley-element.js';
import { StoreController } from '../../controllers/store-controller.js';
import { elementLocale } from '../../internal/format.js';
import { mergeStrings } from '../../internal/merge-strings.js';
import { tokens } from '../../styles/tokens.styles.js';
import { SafeAwareness } from './safe-awareness.js';
import type { Participant } from './safe-awareness.js';
import { TaskListController } from './task-list.js';
import { TextEditor } from './text-editor.js';
import { workspaceEditorStrings } from './workspace-editor.strings.js';
import type { WorkspaceEditorStrings } from './workspace-editor.strings.js';
import { styles } from './workspace-editor.styles.js';
import { openWorkspace, workspaceStatus } from './workspace-handle.js';
import type { OpenWorkspace, WorkspaceStatus, WorkspaceTask } from './workspace-handle.js';

/** Default of `max-task-length`: the SDK's own limit (`MAX_TASK_TEXT`); longer task texts are refused with a message. */
export const DEFAULT_MAX_TASK_LENGTH = MAX_TASK_TEXT;

/** What the sync line says, and `data-state` on `part="sync-status"`. */
type SyncShown = 'loading' | 'saved' | 'syncing' | 'offline' | 'failed';

/**
 * @summary A room's collaborative workspace: a shared text document with
 * everyone's cursors, a shared task list, who is here, and whether your
 * changes are saved.
 *
 * Inside a `<parley-session>` it uses the session's client. Alone, it takes a
 * `client` property, or `server` + `user` with `dev` or a `token`. It sits
 * beside a `<chat-room>` for the same room (both share the session's client)
 * or works alone. Edits made offline are kept on the device (IndexedDB),
 * survive a reload and merge when the connection is back.
 *
 * Stable hooks in the open shadow root: the text surface (CodeMirror's
 * contenteditable) is `[part~="editor"]`; every task is `[part~="task"]`
 * (with `data-id` and `data-done`) and contains its text; the new-task field
 * is `[part~="task-input"]`; who is here is `[part~="presence"]`.
 *
 * Keyboard: in the document, Tab moves focus out (no tab characters are
 * inserted), Ctrl/Cmd+Z and Ctrl/Cmd+Shift+Z (or Ctrl+Y) undo and redo your own
 * edits only. In the task list: Enter in the new-task field adds a task;
 * Space checks the focused task; Alt+ArrowUp / Alt+ArrowDown move it;
 * ArrowUp / ArrowDown go to the previous / next task; its delete button
 * removes it.
 *
 * Members who may not edit (for example members of a broadcast room) see the
 * document read-only, the task controls disabled and a notice.
 *
 * @event parley-task-add - The user adds a task ({@link ParleyTaskAddEvent}; cancelable).
 * @event parley-task-toggle - The user checks or unchecks a task ({@link ParleyTaskToggleEvent}; cancelable).
 * @event parley-task-move - The user moves a task ({@link ParleyTaskMoveEvent}; cancelable).
 * @event parley-task-delete - The user deletes a task ({@link ParleyTaskDeleteEvent}; cancelable).
 *
 * @csspart base - The outer wrapper.
 * @csspart header - The bar with who is here and the sync state.
 * @csspart presence - The list of people here now.
 * @csspart presence-user - One person (`data-self` on you), in their colour.
 * @csspart avatar - A person's initial in their colour.
 * @csspart sync-status - "Saved", "Syncing…" or "Offline — changes kept on this device" (`data-state` saved / syncing / offline / loading / failed).
 * @csspart notice - The read-only notice.
 * @csspart banner - Why the workspace cannot be used (no connection, refused).
 * @csspart document - The document pane around the editor.
 * @csspart editor - The text surface (a contenteditable) you type into.
 * @csspart tasks - The task pane.
 * @csspart task-list - The list of tasks.
 * @csspart task - One task (`data-id`, `data-done`), containing its text.
 * @csspart task-check - A task's checkbox.
 * @csspart task-text - A task's text.
 * @csspart task-move-up - Moves a task up.
 * @csspart task-move-down - Moves a task down.
 * @csspart task-delete - Deletes a task.
 * @csspart tasks-empty - The "No tasks yet." line.
 * @csspart task-form - The new-task form.
 * @csspart task-input - The new-task field.
 * @csspart task-add - The add button.
 * @csspart task-error - Why a task was not added.
 *
 * @cssproperty --parley-workspace-editor-height - The element's height (default 100% of its container).
 * @cssproperty --parley-workspace-editor-tasks-width - Width of the task pane beside the document (default 18rem).
 */
export class WorkspaceEditor extends ParleyElement {
  static override styles = [tokens, styles];

  /** The room id. */
  @property({ reflect: true }) accessor room = '';
  /** Forces a theme; without it the element follows `prefers-color-scheme`. */
  @property({ reflect: true }) accessor theme: 'light' | 'dark' | undefined = undefined;
  /** Longest task text accepted, in characters (at most the SDK's `MAX_TASK_TEXT`); a longer one is refused with a message. */
  @property({ type: Number, attribute: 'max-task-length' }) accessor maxTaskLength = DEFAULT_MAX_TASK_LENGTH;
  /** Overrides of the user-visible strings. */
  @property({ attribute: false }) accessor strings: Partial<WorkspaceEditorStrings> | undefined = undefined;

  @state() private accessor tasks: readonly WorkspaceTask[] | undefined = undefined;
  @state() private accessor participants: readonly Participant[] = [];
  /** Why the workspace could not be opened (reported by `errors`). */
  private openError: unknown = null;
  /** The server's refusal of the workspace for good, once reported. */
  private refused: WorkspaceStatus['error'] = null;

  private readonly sync = new StoreController(this, () => this.activeClient, (s) => workspaceStatus(s, this.room));
  private readonly connection = new StoreController(this, () => this.activeClient, (s) => s.connection);
  private readonly me = new StoreController(this, () => this.activeClient, (s) => s.user);

  private readonly editorHost = createRef<HTMLElement>();
  private workspace: OpenWorkspace | null = null;
  private awareness: SafeAwareness | null = null;
  private editor: TextEditor | null = null;
  private stopTasks: (() => void) | null = null;
  /** The client and room the open (or opening) workspace belongs to. */
  private openedClient: ParleyClient | undefined;
  private openedRoom = '';
  /** Bumped on every open and close, so a late open of a room no longer shown is released at once. */
  private generation = 0;

  private readonly taskList = new TaskListController(this.taskContext());

  private get text(): WorkspaceEditorStrings {
    return mergeStrings(workspaceEditorStrings, this.strings);
  }

  protected override get errorStrings(): WorkspaceEditorStrings {
    return this.text;
  }

  /** No editing: a member without edit rights, or a workspace the server refused for good. */
  private get readOnly(): boolean {
    const status = this.sync.value;
    return (status?.readOnly ?? false) || (status?.error?.retryable === false);
  }

  /** Leaving the page: the workspace is given back before an own client is disposed. */
  protected override releaseClientResources(): void {
    this.closeWorkspace();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('room')) {
      this.sync.refresh();
      this.taskList.reset();
    }
    // A refusal for good (not a member…) is reported; a retryable error only says why it is offline now.
    const error = this.sync.value?.error;
    const refused = error && !error.retryable ? error : null;
    if (refused !== this.refused) {
      this.refused = refused;
      this.errors.set(refused && failureOf(refused));
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Opening a workspace changes the client's store, which updates us again: do it after this update.
    queueMicrotask(() => {
      this.followWorkspace();
      this.onAwareness(); // your own name may have arrived with the session
    });
    this.editor?.setReadOnly(this.readOnly);
    if (changed.has('strings')) this.editor?.setLabels(this.text.editorLabel, this.text.editorPlaceholder);
  }

  /** Opens the workspace of the current client and room, closing the previous one. */
  private followWorkspace(): void {
    const client = this.activeClient;
    if (client === this.openedClient && this.room === this.openedRoom) return;
    this.closeWorkspace();
    this.openedClient = client;
    this.openedRoom = this.room;
    if (!client || !this.room || !this.isConnected) return;
    const generation = this.generation;
    openWorkspace(client, this.room).then(
      (workspace) => {
        if (generation !== this.generation) workspace.release();
        else this.attach(workspace);
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        this.openError = error;
        this.errors.set(failureOf(error));
      },
    );
  }

  /** Binds the editor, task list and presence to an open workspace. */
  private attach(workspace: OpenWorkspace): void {
    const parent = this.editorHost.value;
    if (!parent || !this.shadowRoot) {
      workspace.release();
      return;
    }
    this.workspace = workspace;
    this.forgetOpenError();
    this.awareness = new SafeAwareness(workspace.awareness);
    this.awareness.on('change', this.onAwareness);
    this.tasks = workspace.tasks();
    this.stopTasks = workspace.observeTasks(() => {
      this.tasks = workspace.tasks();
    });
    const t = this.text;
    this.editor = new TextEditor({
      root: this.shadowRoot,
      parent,
      text: workspace.text,
      awareness: this.awareness,
      readOnly: this.readOnly,
      label: t.editorLabel,
      placeholder: t.editorPlaceholder,
    });
    this.onAwareness();
  }

  /** Lets go of the open workspace, if any (the SDK keeps it while others use it). */
  private closeWorkspace(): void {
    this.generation++;
    this.openedClient = undefined;
    this.openedRoom = '';
    this.editor?.destroy();
    this.editor = null;
    this.awareness?.off('change', this.onAwareness);
    this.awareness = null;
    this.stopTasks?.();
    this.stopTasks = null;
    this.workspace?.release();
    this.workspace = null;
    // Only assign what changed: this runs inside updated(), where a change schedules another update.
    if (this.tasks !== undefined) this.tasks = undefined;
    if (this.participants.length > 0) this.participants = [];
    this.forgetOpenError();
  }

  private forgetOpenError(): void {
    if (this.openError === null) return;
    this.openError = null;
    this.errors.set(null);
  }

  /** Awareness changes with every cursor move: re-render only when who is here changed. */
  private readonly onAwareness = (): void => {
    if (!this.awareness) return;
    const me = this.me.value;
    // Your own entry: the name the server knows (the local awareness state may predate it).
    const people = this.awareness.participants(me?.id ?? '').filter((p) => !p.self);
    if (me) people.unshift({ id: me.id, name: me.name || me.id, color: this.awareness.ownColor() ?? userColor(me.id), self: true });
    const key = (list: readonly Participant[]) => list.map((p) => `${p.id}\n${p.name}\n${p.color}`).join('\n\n');
    if (key(people) !== key(this.participants)) this.participants = people;
  };

  /** What the task list reads and does; getters read the element's current state. */
  private taskContext() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- getters below need the element, not the literal
    const el = this;
    return {
      host: el,
      get text() {
        return el.text;
      },
      get room() {
        return el.room;
      },
      get locale() {
        return elementLocale(el);
      },
      get tasks() {
        return el.tasks;
      },
      get readOnly() {
        return el.readOnly;
      },
      get maxLength() {
        return Math.min(el.maxTaskLength, MAX_TASK_TEXT);
      },
      add: (text: string) => el.workspace?.addTask(text),
      toggle: (id: string) => el.workspace?.toggleTask(id),
      move: (id: string, index: number) => el.workspace?.moveTask(id, index),
      remove: (id: string) => el.workspace?.removeTask(id),
    };
  }

  // ---- rendering ----

  protected override render(): TemplateResult {
    const t = this.text;
    const status = this.sync.value;
    return html`
      <div part="base" role="region" aria-label=${t.workspaceLabel}>
        <div part="header">${this.renderPresence()} ${this.renderSync(status)}</div>
        ${this.renderBanner()}
        ${status?.readOnly && this.workspace ? html`<p part="notice" role="note">${t.readOnly}</p>` : nothing}
        <div class="panes">
          <section part="document" aria-label=${t.editorLabel}>
            <div class="editor-host" ${ref(this.editorHost)}></div>
            ${this.workspace ? nothing : html`<p class="note">${t.loading}</p>`}
          </section>
          ${this.taskList.render()}
        </div>
      </div>
    `;
  }

  private renderPresence(): TemplateResult {
    const t = this.text;
    return html`<ul part="presence" aria-label=${t.presenceLabel}>
      ${repeat(
        this.participants,
        (p) => p.id,
        (p) => {
          const name = p.self ? t.presenceYou(p.name) : p.name;
          return html`<li
            part="presence-user"
            data-user=${p.id}
            data-self=${p.self ? 'true' : 'false'}
            title=${name}
            style=${styleMap({ '--_user-color': p.color })}
          >
            <span part="avatar" aria-hidden="true">${initial(p.name)}</span><span class="name">${name}</span>
          </li>`;
        },
      )}
    </ul>`;
  }

  private renderSync(status: WorkspaceStatus | undefined): TemplateResult | typeof nothing {
    if (!this.activeClient) return nothing;
    const shown = syncShown(status, this.connection.value === 'offline');
    const t = this.text;
    const label = { loading: t.loading, saved: t.saved, syncing: t.syncing, offline: t.offline, failed: t.stopped }[shown];
    return html`<span part="sync-status" data-state=${shown} role="status">${label}</span>`;
  }

  /** The workspace's own sentences for a change or a document too complex to merge; the shared ones otherwise. */
  protected override failureText(failure: Failure): string {
    if (failure.code === ErrorCode.UpdateTooComplex) return this.text.changeTooComplex;
    if (failure.code === ErrorCode.DocumentTooComplex) return this.text.documentTooComplex;
    return super.failureText(failure);
  }

  /** A failed connection or a workspace the server refused (unless the host took it over: `parley-error`), or no client. */
  private renderBanner(): TemplateResult | typeof nothing {
    const t = this.text;
    const failure = this.errors.failure;
    let message: string | null = null;
    if (failure) message = this.errors.visible ? this.failureText(failure) : null;
    else if (!this.activeClient) message = this.server ? t.connecting : t.noClient;
    return message ? html`<div part="banner" role="alert" data-code=${failure?.code ?? nothing}>${message}</div>` : nothing;
  }
}

/** What the sync line shows for a workspace state. */
export function syncShown(status: WorkspaceStatus | undefined, clientOffline: boolean): SyncShown {
  if (!status || status.status === 'loading') return 'loading';
  // A retryable error is only why the workspace is offline now; it keeps trying.
  if (status.error && !status.error.retryable) return 'failed';
  if (status.status === 'offline' || clientOffline) return 'offline';
  if (status.status !== 'synced' || status.pending) return 'syncing';
  return 'saved';
}

/** The first letter of a name, as an avatar (whole grapheme, so an emoji stays whole). */
function initial(name: string): string {
  const first = [...name.trim()][0] ?? '?';
  return first.toLocaleUpperCase();
}
