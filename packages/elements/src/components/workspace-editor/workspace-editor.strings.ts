import type { ErrorStrings } from '../../base/error-strings.js';

/**
 * Every user-visible string of `<workspace-editor>`. The element takes a
 * `strings` property (a partial override merged over these defaults).
 * Functions receive already-formatted values, so a translation can reorder them.
 * The failures every element shows are {@link ErrorStrings}, overridable here
 * too; their defaults are `errorStrings`, except `errorNotMember` here.
 */
export interface WorkspaceEditorStrings extends Partial<ErrorStrings> {
  /** Accessible name of the whole element. */
  workspaceLabel: string;
  /** Accessible name of the text document (the `part="editor"` surface). */
  editorLabel: string;
  /** Shown in the empty document. */
  editorPlaceholder: string;
  tasksTitle: string;
  tasksLabel: string;
  noTasks: string;
  taskInputLabel: string;
  taskInputPlaceholder: string;
  addTask: string;
  /** The checkbox of a task, named after it. */
  toggleTask: (text: string) => string;
  moveUp: (text: string) => string;
  moveDown: (text: string) => string;
  deleteTask: (text: string) => string;
  /** A task moved with the keyboard, announced to screen readers. */
  taskMoved: (text: string, position: number, total: number) => string;
  /** Too long a task: not added. */
  taskTooLong: (max: number, formatted: string) => string;
  presenceLabel: string;
  /** Tooltip of a person who is here; `you` marks your own entry. */
  presenceYou: (name: string) => string;
  loading: string;
  saved: string;
  syncing: string;
  offline: string;
  /** The sync line when the server refused the workspace for good (the banner says why). */
  stopped: string;
  readOnly: string;
  connecting: string;
  connectionFailed: string;
  failed: (message: string) => string;
  /** The server refused one of this user's changes as too complex to merge; the workspace stopped syncing. */
  changeTooComplex: string;
  /** The server will not open this document: it takes too long to load. */
  documentTooComplex: string;
  noClient: string;
}

/** English defaults for `<workspace-editor>`. */
export const workspaceEditorStrings: WorkspaceEditorStrings = {
  workspaceLabel: 'Workspace',
  editorLabel: 'Shared document',
  editorPlaceholder: 'Write together…',
  tasksTitle: 'Tasks',
  tasksLabel: 'Tasks',
  noTasks: 'No tasks yet.',
  taskInputLabel: 'New task',
  taskInputPlaceholder: 'Add a task…',
  addTask: 'Add',
  toggleTask: (text) => `Done: ${text}`,
  moveUp: (text) => `Move up: ${text}`,
  moveDown: (text) => `Move down: ${text}`,
  deleteTask: (text) => `Delete task: ${text}`,
  taskMoved: (text, position, total) => `${text} moved to position ${position} of ${total}`,
  taskTooLong: (_max, formatted) => `Not added: tasks are limited to ${formatted} characters.`,
  presenceLabel: 'Here now',
  presenceYou: (name) => `${name} (you)`,
  loading: 'Loading the workspace…',
  saved: 'Saved',
  syncing: 'Syncing…',
  offline: 'Offline — changes kept on this device',
  stopped: 'Not syncing',
  readOnly: 'You can read this workspace but not change it.',
  connecting: 'Connecting…',
  connectionFailed: 'Could not connect to the workspace.',
  errorNotMember: 'You may not open this workspace: you are not a member of this room.',
  failed: (message) => `That did not work: ${message}`,
  changeTooComplex:
    'The server refused a change here as too complex to merge: it was not saved or shared, and this workspace has stopped syncing. Changes you make now stay on this device only.',
  documentTooComplex: 'This document is too complex for the server to open.',
  noClient: 'Not connected: place this element in a <parley-session> or set its server and user.',
};
