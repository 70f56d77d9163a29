/**
 * Registers `<workspace-editor>` (once: a second copy of the bundle only
 * warns) and re-exports its class, events and strings. Import this module
 * for the side effect. It brings CodeMirror and Yjs with it; the script-tag
 * bundle loads it as a separate chunk when the tag first appears
 * (`loadOnSight` in `define.ts`).
 */
import { defineElement } from '../../internal/define-element.js';
import { WorkspaceEditor } from './workspace-editor.component.js';

export { WorkspaceEditor, DEFAULT_MAX_TASK_LENGTH } from './workspace-editor.component.js';
export { ParleyTaskAddEvent } from '../../events/parley-task-add.js';
export { ParleyTaskToggleEvent } from '../../events/parley-task-toggle.js';
export { ParleyTaskMoveEvent } from '../../events/parley-task-move.js';
export { ParleyTaskDeleteEvent } from '../../events/parley-task-delete.js';
export { workspaceEditorStrings } from './workspace-editor.strings.js';
export type { WorkspaceEditorStrings } from './workspace-editor.strings.js';

defineElement('workspace-editor', WorkspaceEditor);

declare global {
  interface HTMLElementTagNameMap {
    'workspace-editor': WorkspaceEditor;
  }
}
