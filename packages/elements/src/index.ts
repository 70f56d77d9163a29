/**
 * @parley/elements — Lit web components for Parley. This entry exports the
 * classes without registering them; import `@parley/elements/define` (or the
 * script-tag bundle) to register every tag.
 */
export { clientContext } from './context/client-context.js';
export { defineElement } from './internal/define-element.js';
