/**
 * `@parley/elements/define` (and the script-tag bundle) registers the chat
 * elements at once and the others on first sight: nothing of `<room-list>`,
 * `<call-panel>` or `<workspace-editor>` loads until its tag is in the
 * document; then the tag is defined and elements already there upgrade.
 */
import { expect } from '@open-wc/testing';
import './define.js';
import { until } from '../../../test-support/browser.js';

/**
 * Every resource the page requested, with when the request started. Watched
 * from this module's first run, before any response can arrive: an element's
 * module fetched eagerly would show up here with an early start, however late
 * a busy machine delivers it.
 */
const requests: PerformanceResourceTiming[] = [];
new PerformanceObserver((list) => requests.push(...(list.getEntries() as PerformanceResourceTiming[]))).observe({
  type: 'resource',
  buffered: true,
});

/** Requests for the module of `<tag>` (its folder under `components/`). */
function moduleRequests(tag: string): PerformanceResourceTiming[] {
  return requests.filter((r) => r.name.includes(`/components/${tag}/${tag}.`));
}

/** Waits until `<tag>`'s module was fetched, and checks that no request for it started before `since`. */
async function fetchedOnlyAfter(tag: string, since: number): Promise<void> {
  await until(() => moduleRequests(tag).length > 0, `the request for <${tag}>'s module`);
  const first = Math.min(...moduleRequests(tag).map((r) => r.startTime));
  expect(first, `<${tag}>'s module was requested before its tag appeared`).to.be.at.least(since);
}

describe('define', () => {
  it('registers <parley-session> and <chat-room> at once', () => {
    expect(customElements.get('parley-session')).to.not.equal(undefined);
    expect(customElements.get('chat-room')).to.not.equal(undefined);
  });

  it('defines <workspace-editor> only once one appears, and upgrades it', async () => {
    expect(customElements.get('workspace-editor'), 'not loaded on a page without the tag').to.equal(undefined);

    const appended = performance.now();
    const host = document.createElement('div');
    host.innerHTML = '<section><workspace-editor room="r1"></workspace-editor></section>';
    document.body.append(host);
    await customElements.whenDefined('workspace-editor');
    const el = host.querySelector('workspace-editor');
    await until(() => el?.shadowRoot?.querySelector('[part~="task-input"]') != null, 'the element upgraded and rendered');
    expect(el?.shadowRoot?.querySelector('[part~="banner"]')?.textContent).to.contain('Not connected');
    await fetchedOnlyAfter('workspace-editor', appended);
    host.remove();
  });

  it('defines <room-list> only once one appears', async () => {
    expect(customElements.get('room-list'), 'not loaded on a page without the tag').to.equal(undefined);
    const appended = performance.now();
    const list = document.createElement('room-list');
    document.body.append(list);
    await customElements.whenDefined('room-list');
    await until(() => list.shadowRoot !== null, 'the element upgraded');
    await fetchedOnlyAfter('room-list', appended);
    list.remove();
  });
});
