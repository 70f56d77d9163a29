/**
 * Registers a custom element once. A second registration of the same tag (two
 * copies of the bundle on one page) warns instead of throwing, so a host page
 * never breaks because of us.
 */
export function defineElement(tag: string, ctor: CustomElementConstructor): void {
  if (typeof customElements === 'undefined') return; // SSR / Node: nothing to register
  const existing = customElements.get(tag);
  if (existing === undefined) {
    customElements.define(tag, ctor);
  } else if (existing !== ctor) {
    console.warn(`[parley] <${tag}> is already defined by another copy; keeping the first one.`);
  }
}
