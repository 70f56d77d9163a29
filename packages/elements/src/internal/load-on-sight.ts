/**
 * Imports an element's module the first time its tag is in the document, for
 * elements a chat-only page should not pay for (in the script-tag bundle the
 * module is a separate chunk). Elements already on the page upgrade when the
 * definition arrives.
 *
 * Only the document's own tree is watched: a tag created inside another
 * component's shadow root needs its module imported directly (for example
 * `import '@parley/elements/room-list'`).
 */
export function loadOnSight(tag: string, load: () => Promise<unknown>): void {
  if (typeof document === 'undefined' || typeof MutationObserver === 'undefined') return; // SSR / Node
  const found = document.getElementsByTagName(tag);
  const watch = new MutationObserver(check);
  function check(): void {
    if (found.length === 0) return;
    watch.disconnect();
    load().catch((error: unknown) => console.error(`[parley] could not load <${tag}>`, error));
  }
  watch.observe(document, { childList: true, subtree: true });
  check();
}
