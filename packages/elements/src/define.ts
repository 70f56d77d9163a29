/**
 * Registers every Parley element. Importing this module is the side effect;
 * the classes themselves come from `@parley/elements`. `<parley-session>` and
 * `<chat-room>` register at once; the others load when their tag first
 * appears in the document (separate chunks in the script-tag bundle, so a
 * chat-only page downloads only what it shows).
 */
import { loadOnSight } from './internal/load-on-sight.js';
import './components/parley-session/parley-session.js';
import './components/chat-room/chat-room.js';

loadOnSight('room-list', () => import('./components/room-list/room-list.js'));
// The call panel's class and its view (tiles, controls) are fetched together, in parallel.
loadOnSight('call-panel', () =>
  Promise.all([import('./components/call-panel/call-panel.js'), import('./components/call-panel/call-view.js')]),
);
// The workspace editor brings CodeMirror and Yjs.
loadOnSight('workspace-editor', () => import('./components/workspace-editor/workspace-editor.js'));
