/**
 * The shared text document of `<workspace-editor>`: a CodeMirror 6 view bound
 * to the workspace's `Y.Text` by y-codemirror.next (Yjs sync, remote cursors
 * and selections with names and colours from awareness, undo and redo of your
 * own edits only).
 *
 * CodeMirror mounts inside the element's shadow root (its styles go there
 * too), and its contenteditable carries the stable hook `part="editor"`.
 * Tab is left to the browser (no `indentWithTab`), so it moves focus out of
 * the editor as in any text field.
 */
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next';
import type * as Y from 'yjs';
import type { AwarenessLike } from './safe-awareness.js';

/** What the editor needs from its element. */
export interface TextEditorOptions {
  /** The element's shadow root: CodeMirror's styles and selection handling live there. */
  root: ShadowRoot;
  /** The element CodeMirror renders into (left empty by the element's template). */
  parent: HTMLElement;
  text: Y.Text;
  awareness: AwarenessLike;
  readOnly: boolean;
  label: string;
  placeholder: string;
}

/** Colours and spacing from the `--parley-*` tokens; CodeMirror's own base theme does the rest. */
const parleyTheme = EditorView.theme({
  '&': { color: 'var(--_text)', backgroundColor: 'var(--_bg)', height: '100%' },
  '&.cm-focused': { outline: '2px solid var(--_focus)', outlineOffset: '-2px' },
  '.cm-scroller': { fontFamily: 'var(--_font)', lineHeight: '1.5' },
  '.cm-content': { padding: 'var(--_space) calc(var(--_space) * 2)', caretColor: 'var(--_text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--_text)' },
  '.cm-placeholder': { color: 'var(--_text-muted)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': {
    backgroundColor: 'var(--_mention)',
  },
  // Remote carets' name labels: readable on any user colour.
  '.cm-ySelectionInfo': { fontFamily: 'var(--_font)', color: '#fff', textShadow: '0 0 2px #000' },
});

/** A mounted editor; {@link TextEditor.destroy} it when the element lets go of the workspace. */
export class TextEditor {
  readonly view: EditorView;
  private readonly editable = new Compartment();
  private readonly labels = new Compartment();

  constructor(options: TextEditorOptions) {
    this.view = new EditorView({
      root: options.root,
      parent: options.parent,
      state: EditorState.create({
        doc: options.text.toJSON(), // the binding expects the view to start from the same text
        extensions: [
          keymap.of([...yUndoManagerKeymap, { key: 'Enter', run: insertLineBreak }]),
          EditorView.lineWrapping,
          parleyTheme,
          this.editable.of(editability(options.readOnly)),
          this.labels.of(labelling(options.label, options.placeholder)),
          yCollab(options.text, options.awareness),
        ],
      }),
    });
  }

  /** Makes the document read-only (a member without edit rights) or editable again. */
  setReadOnly(readOnly: boolean): void {
    if (readOnly === this.view.state.readOnly) return;
    this.view.dispatch({ effects: this.editable.reconfigure(editability(readOnly)) });
  }

  /** Updates the accessible name and placeholder (the `strings` changed). */
  setLabels(label: string, text: string): void {
    this.view.dispatch({ effects: this.labels.reconfigure(labelling(label, text)) });
  }

  /** Moves keyboard focus into the document. */
  focus(): void {
    this.view.focus();
  }

  /** Unmounts the view and stops following the document and awareness. */
  destroy(): void {
    this.view.destroy();
  }
}

/**
 * Enter starts a new line. The rest of plain-text editing (arrows, Home/End,
 * Backspace, select all) is the browser's own, read back by CodeMirror;
 * `@codemirror/commands` would bring a language parser along for indentation
 * a plain document does not need.
 */
function insertLineBreak(view: EditorView): boolean {
  if (view.state.readOnly) return false;
  view.dispatch(view.state.replaceSelection(view.state.lineBreak), { scrollIntoView: true, userEvent: 'input' });
  return true;
}

function editability(readOnly: boolean) {
  return [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
}

function labelling(label: string, text: string) {
  return [
    EditorView.contentAttributes.of({ part: 'editor', 'aria-label': label, 'aria-multiline': 'true' }),
    placeholder(text),
  ];
}
