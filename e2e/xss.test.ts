/**
 * Message text is text: HTML and script payloads are shown literally, on the
 * live path and after a reload, and nothing in them runs.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { E2eFixture } from './helpers/fixture.js';

const fixture = new E2eFixture();
before(() => fixture.setUp());
after(() => fixture.tearDown());

// One `__` per payload: two in one text would be read as markdown emphasis,
// which is a formatting question, not an injection one.
const PAYLOADS = [
  '<img src=x onerror=window.__xss=1>',
  '<script>window.__xss=1</script>',
  '<b onmouseover=window.__xss=1>bold?</b> <a href="javascript:alert(1)">link</a>',
  '[a markdown link](javascript:window.__xss=1)',
];
const committed = (status: string): boolean => status !== 'pending' && status !== 'failed';

/** What the payloads could have injected into the messages, and the flag they would set. */
function injected(page: Page): Promise<{ xss: unknown; elements: string[] }> {
  return page.evaluate(() => {
    // The messages live in shadow roots: walk every open root. (No named inner
    // functions here: tsx would wrap them in a helper the page does not have.)
    const found: string[] = [];
    const roots: (Document | ShadowRoot)[] = [document];
    for (let root = roots.pop(); root; root = roots.pop()) {
      for (const element of root.querySelectorAll('*')) {
        if (element.shadowRoot) roots.push(element.shadowRoot);
        const part = element.getAttribute('part') ?? '';
        if (!part.split(/\s+/).includes('message')) continue;
        for (const inner of element.querySelectorAll('img, script, b, a[href^="javascript:"], [onerror], [onmouseover]')) {
          found.push(inner.outerHTML);
        }
      }
    }
    return { xss: (window as unknown as { __xss?: unknown }).__xss, elements: found };
  });
}

test('HTML and script in messages render as text and run nothing', { timeout: 240_000 }, async () => {
  const room = 'xss';
  const ada = await fixture.open('ada', room);
  const grace = await fixture.open('grace', room);
  await Promise.all([ada.ready(), grace.ready()]);

  for (const payload of PAYLOADS) await ada.send(payload);
  // Each payload is shown literally (the text contains the markup as typed).
  await ada.waitForMessages(PAYLOADS, committed);
  await grace.waitForMessages(PAYLOADS, committed);

  // Reloaded from history as well as received live.
  await grace.reload();
  await grace.ready();
  await grace.waitForMessages(PAYLOADS, committed);

  for (const tab of [ada, grace]) {
    const { xss, elements } = await injected(tab.page);
    assert.equal(xss, undefined, 'a payload ran');
    assert.deepEqual(elements, [], 'a payload became markup');
  }
  assert.deepEqual(fixture.pageErrors(), []);
});
