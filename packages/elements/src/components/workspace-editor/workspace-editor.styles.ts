import { css } from 'lit';

/** Styles of `<workspace-editor>` (the shared tokens come first, in the component). */
export const styles = css`
  :host {
    display: block;
    height: var(--parley-workspace-editor-height, 100%);
    min-height: 16rem;
    --_tasks-width: var(--parley-workspace-editor-tasks-width, 18rem);
  }
  [part~='base'] {
    display: flex;
    flex-direction: column;
    height: 100%;
    box-sizing: border-box;
    background: var(--_bg);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    overflow: hidden;
  }
  [part~='header'] {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: var(--_space);
    padding: var(--_space) calc(var(--_space) * 2);
    border-bottom: 1px solid var(--_border);
    min-height: 2rem;
  }
  [part~='presence'] {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_space) / 2);
    list-style: none;
    margin: 0;
    padding: 0;
    min-width: 0;
  }
  [part~='presence-user'] {
    display: inline-flex;
    align-items: center;
    gap: calc(var(--_space) / 2);
    padding: 2px calc(var(--_space) * 0.75) 2px 2px;
    border: 1px solid var(--_user-color);
    border-radius: 999px;
    font-size: 0.8125em;
    max-width: 12rem;
  }
  [part~='presence-user'] .name {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  [part~='avatar'] {
    display: inline-grid;
    place-items: center;
    width: 1.5rem;
    height: 1.5rem;
    border-radius: 50%;
    background: var(--_user-color);
    /* The user palette is mid-tone: white with a dark outline reads on all of it. */
    color: #fff;
    text-shadow: 0 0 2px #000;
    font-weight: 600;
    flex: none;
  }
  [part~='sync-status'] {
    color: var(--_text-muted);
    font-size: 0.8125em;
    white-space: nowrap;
  }
  [part~='sync-status'][data-state='offline'] {
    color: var(--_warning-text);
    background: var(--_warning-bg);
    padding: 2px var(--_space);
    border-radius: var(--_radius);
  }
  [part~='banner'],
  [part~='notice'] {
    margin: 0;
    padding: var(--_space) calc(var(--_space) * 2);
    background: var(--_warning-bg);
    color: var(--_warning-text);
    font-size: 0.875em;
  }
  .panes {
    display: flex;
    flex-wrap: wrap;
    flex: 1 1 auto;
    min-height: 0;
  }
  [part~='document'] {
    position: relative;
    flex: 999 1 20rem;
    display: flex;
    flex-direction: column;
    min-height: 10rem;
    min-width: 0;
  }
  .editor-host {
    flex: 1 1 auto;
    min-height: 0;
    overflow: auto;
  }
  [part~='tasks'] {
    flex: 1 1 var(--_tasks-width);
    display: flex;
    flex-direction: column;
    gap: var(--_space);
    padding: var(--_space) calc(var(--_space) * 2);
    border-left: 1px solid var(--_border);
    background: var(--_surface);
    overflow: auto;
    box-sizing: border-box;
  }
  .tasks-title {
    margin: 0;
    font-size: 1em;
    font-weight: 600;
  }
  [part~='task-list'] {
    list-style: none;
    margin: 0;
    padding: 0;
    display: flex;
    flex-direction: column;
    gap: 2px;
  }
  [part~='task'] {
    display: flex;
    align-items: center;
    gap: var(--_space);
    padding: calc(var(--_space) / 2);
    border-radius: calc(var(--_radius) - 2px);
    overflow-wrap: anywhere;
  }
  [part~='task']:hover,
  [part~='task']:focus-within {
    background: var(--_bg);
  }
  [part~='task'][data-done='true'] [part~='task-text'] {
    text-decoration: line-through;
    color: var(--_text-muted);
  }
  [part~='task-text'] {
    flex: 1 1 auto;
    min-width: 0;
    white-space: pre-wrap;
  }
  [part~='task-check'] {
    width: 1.1rem;
    height: 1.1rem;
    margin: 0;
    accent-color: var(--_accent);
    flex: none;
  }
  .task-actions {
    display: inline-flex;
    gap: 2px;
    flex: none;
  }
  .task-actions button {
    width: 1.75rem;
    height: 1.75rem;
    padding: 0;
    border: 1px solid transparent;
    border-radius: calc(var(--_radius) - 2px);
    background: transparent;
    color: var(--_text-muted);
    font: inherit;
    cursor: pointer;
  }
  .task-actions button:hover:not(:disabled) {
    border-color: var(--_border);
    color: var(--_text);
  }
  .task-actions button:disabled {
    opacity: 0.4;
    cursor: default;
  }
  [part~='task-form'] {
    display: flex;
    gap: var(--_space);
  }
  [part~='task-input'] {
    flex: 1 1 auto;
    min-width: 0;
    padding: calc(var(--_space) * 0.75) var(--_space);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) - 2px);
    background: var(--_bg);
    color: var(--_text);
    font: inherit;
  }
  [part~='task-add'] {
    padding: calc(var(--_space) * 0.75) calc(var(--_space) * 1.5);
    border: 0;
    border-radius: calc(var(--_radius) - 2px);
    background: var(--_accent);
    color: var(--_accent-contrast);
    font: inherit;
    cursor: pointer;
  }
  [part~='task-add']:disabled,
  [part~='task-input']:disabled {
    opacity: 0.6;
    cursor: default;
  }
  [part~='task-error'] {
    margin: 0;
    color: var(--_danger);
    font-size: 0.8125em;
  }
  [part~='task-error']:empty {
    display: none;
  }
  .note {
    margin: 0;
    color: var(--_text-muted);
    font-size: 0.875em;
    padding: var(--_space) calc(var(--_space) * 2);
  }
  [part~='document'] .note {
    position: absolute;
    inset: 0 auto auto 0;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;
