/**
 * The shared task list of `<workspace-editor>` as a reactive controller:
 * renders the tasks (each `part="task"`, containing its text) and the
 * new-task field (`part="task-input"`), and turns keys and clicks into the
 * SDK's task operations, each announced first by a cancelable event.
 *
 * Keyboard: Enter in the new-task field adds; Space on a task's checkbox
 * checks it; Alt+ArrowUp / Alt+ArrowDown on any control of a task move it
 * (focus stays on it); ArrowUp / ArrowDown move between tasks; the delete
 * button removes a task and focus goes to the next one.
 */
import { html, nothing } from 'lit';
import type { ReactiveController, ReactiveControllerHost, TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { live } from 'lit/directives/live.js';
import { ParleyTaskAddEvent } from '../../events/parley-task-add.js';
import { ParleyTaskDeleteEvent } from '../../events/parley-task-delete.js';
import { ParleyTaskMoveEvent } from '../../events/parley-task-move.js';
import { ParleyTaskToggleEvent } from '../../events/parley-task-toggle.js';
import { formatNumber } from '../../internal/format.js';
import type { WorkspaceEditorStrings } from './workspace-editor.strings.js';
import type { WorkspaceTask } from './workspace-handle.js';

/** What the task list needs from its element. */
export interface TaskListContext {
  readonly host: ReactiveControllerHost & HTMLElement;
  readonly text: WorkspaceEditorStrings;
  readonly room: string;
  readonly locale: string | undefined;
  /** The tasks in order, or undefined while the workspace is not open. */
  readonly tasks: readonly WorkspaceTask[] | undefined;
  /** Members without edit rights see the list with every control disabled. */
  readonly readOnly: boolean;
  /** The longest task text accepted (characters). */
  readonly maxLength: number;
  add(text: string): void;
  toggle(id: string): void;
  /** Moves the task to `index` in the current order. */
  move(id: string, index: number): void;
  remove(id: string): void;
}

/** See the module comment. */
export class TaskListController implements ReactiveController {
  /** The new task being typed. */
  draft = '';
  /** Why the last add was refused, or ''. */
  problem = '';
  /** Last move, for screen readers. */
  private announcement = '';

  constructor(private readonly ctx: TaskListContext) {
    ctx.host.addController(this);
  }

  /** @internal Lit lifecycle (nothing to do; the element owns the data). */
  hostConnected(): void {}

  /** Forgets the draft (the room changed). */
  reset(): void {
    this.draft = this.problem = this.announcement = '';
  }

  private get root(): ShadowRoot | null {
    return this.ctx.host.shadowRoot;
  }

  private add(): void {
    const text = this.draft.trim();
    if (!text || this.ctx.readOnly) return;
    if (text.length > this.ctx.maxLength) {
      this.problem = this.ctx.text.taskTooLong(this.ctx.maxLength, formatNumber(this.ctx.maxLength, this.ctx.locale));
      this.ctx.host.requestUpdate();
      return;
    }
    this.problem = '';
    if (this.ctx.host.dispatchEvent(new ParleyTaskAddEvent(this.ctx.room, text))) this.ctx.add(text);
    this.draft = '';
    this.ctx.host.requestUpdate();
  }

  private toggle(task: WorkspaceTask): void {
    if (this.ctx.readOnly) return;
    if (this.ctx.host.dispatchEvent(new ParleyTaskToggleEvent(this.ctx.room, task.id, !task.done))) this.ctx.toggle(task.id);
    this.ctx.host.requestUpdate(); // a cancelled toggle puts the checkbox back
  }

  private move(task: WorkspaceTask, by: -1 | 1, focusPart: string): void {
    const tasks = this.ctx.tasks ?? [];
    const from = tasks.findIndex((t) => t.id === task.id);
    const to = from + by;
    if (this.ctx.readOnly || from < 0 || to < 0 || to >= tasks.length) return;
    if (!this.ctx.host.dispatchEvent(new ParleyTaskMoveEvent(this.ctx.room, task.id, to))) return;
    this.ctx.move(task.id, to);
    this.announcement = this.ctx.text.taskMoved(task.text, to + 1, tasks.length);
    this.ctx.host.requestUpdate();
    // Moving re-inserts the task's DOM node, which drops focus: put it back on the same control.
    void (this.ctx.host as unknown as { updateComplete: Promise<unknown> }).updateComplete.then(() => this.focusTask(task.id, focusPart));
  }

  private remove(task: WorkspaceTask): void {
    if (this.ctx.readOnly) return;
    if (!this.ctx.host.dispatchEvent(new ParleyTaskDeleteEvent(this.ctx.room, task.id))) return;
    const tasks = this.ctx.tasks ?? [];
    const index = tasks.findIndex((t) => t.id === task.id);
    const next = tasks[index + 1] ?? tasks[index - 1];
    this.ctx.remove(task.id);
    this.ctx.host.requestUpdate();
    void (this.ctx.host as unknown as { updateComplete: Promise<unknown> }).updateComplete.then(() => {
      if (next) this.focusTask(next.id, 'task-check');
      else this.root?.querySelector<HTMLElement>('[part~="task-input"]')?.focus();
    });
  }

  /** Focuses the control `part` of task `id`, if it is shown. */
  private focusTask(id: string, part: string): void {
    const item = [...(this.root?.querySelectorAll<HTMLElement>('[part~="task"]') ?? [])].find((el) => el.dataset.id === id);
    (item?.querySelector<HTMLElement>(`[part~="${part}"]`) ?? item?.querySelector<HTMLElement>('[part~="task-check"]'))?.focus();
  }

  private onTaskKeydown(event: KeyboardEvent, task: WorkspaceTask): void {
    if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
    event.preventDefault();
    const by = event.key === 'ArrowUp' ? -1 : 1;
    const target = event.target as HTMLElement;
    const part = target.getAttribute('part')?.split(' ')[0] ?? 'task-check';
    if (event.altKey) {
      this.move(task, by, part);
      return;
    }
    const tasks = this.ctx.tasks ?? [];
    const next = tasks[tasks.findIndex((t) => t.id === task.id) + by];
    if (next) this.focusTask(next.id, part);
  }

  private onInputKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Enter' || event.isComposing) return;
    event.preventDefault();
    this.add();
  }

  /** The tasks section: heading, list, new-task form and live announcements. */
  render(): TemplateResult {
    const t = this.ctx.text;
    const tasks = this.ctx.tasks;
    const disabled = this.ctx.readOnly || tasks === undefined;
    return html`
      <section part="tasks" aria-labelledby="tasks-title">
        <h3 id="tasks-title" class="tasks-title">${t.tasksTitle}</h3>
        ${tasks && tasks.length > 0
          ? html`<ul part="task-list" aria-label=${t.tasksLabel}>
              ${repeat(
                tasks,
                (task) => task.id,
                (task, index) => this.renderTask(task, index, tasks.length, disabled),
              )}
            </ul>`
          : html`<p class="note" part="tasks-empty">${tasks ? t.noTasks : t.loading}</p>`}
        <form
          part="task-form"
          @submit=${(event: SubmitEvent) => {
            event.preventDefault();
            this.add();
          }}
        >
          <input
            part="task-input"
            type="text"
            aria-label=${t.taskInputLabel}
            placeholder=${t.taskInputPlaceholder}
            autocomplete="off"
            ?disabled=${disabled}
            .value=${live(this.draft)}
            aria-invalid=${this.problem ? 'true' : 'false'}
            aria-describedby="task-problem"
            @input=${(event: InputEvent) => {
              this.draft = (event.target as HTMLInputElement).value;
              if (this.problem) {
                this.problem = '';
                this.ctx.host.requestUpdate();
              }
            }}
            @keydown=${(event: KeyboardEvent) => this.onInputKeydown(event)}
          />
          <button part="task-add" type="submit" ?disabled=${disabled}>${t.addTask}</button>
        </form>
        <p id="task-problem" part="task-error" role="alert">${this.problem || nothing}</p>
        <p class="visually-hidden" role="status">${this.announcement}</p>
      </section>
    `;
  }

  private renderTask(task: WorkspaceTask, index: number, total: number, disabled: boolean): TemplateResult {
    const t = this.ctx.text;
    return html`
      <li
        part="task"
        data-id=${task.id}
        data-done=${task.done ? 'true' : 'false'}
        @keydown=${(event: KeyboardEvent) => this.onTaskKeydown(event, task)}
      >
        <input
          part="task-check"
          type="checkbox"
          aria-label=${t.toggleTask(task.text)}
          aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown"
          .checked=${live(task.done)}
          ?disabled=${disabled}
          @change=${() => this.toggle(task)}
        />
        <span part="task-text">${task.text}</span>
        <span class="task-actions">
          <button
            part="task-move-up"
            type="button"
            tabindex="-1"
            aria-label=${t.moveUp(task.text)}
            title=${t.moveUp(task.text)}
            ?disabled=${disabled || index === 0}
            @click=${() => this.move(task, -1, 'task-check')}
          >
            ↑
          </button>
          <button
            part="task-move-down"
            type="button"
            tabindex="-1"
            aria-label=${t.moveDown(task.text)}
            title=${t.moveDown(task.text)}
            ?disabled=${disabled || index === total - 1}
            @click=${() => this.move(task, 1, 'task-check')}
          >
            ↓
          </button>
          <button
            part="task-delete"
            type="button"
            aria-label=${t.deleteTask(task.text)}
            title=${t.deleteTask(task.text)}
            ?disabled=${disabled}
            @click=${() => this.remove(task)}
          >
            ×
          </button>
        </span>
      </li>
    `;
  }
}
