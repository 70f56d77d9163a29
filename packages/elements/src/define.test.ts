/**
 * `@parley/elements/define` (and the script-tag bundle) registers the chat
 * elements at once and the others on first sight: nothing of `<room-list>`,
 * `<call-panel>` or `<workspace-editor>` loads until its tag is in the
 * document; then the tag is defined and elements already there upgrade.
 */
import { expect } from '@open-wc/testing';
import './define.js';
import { until } from '../../../test-support/browser.js';

describe('define', () => {
  it('registers <parley-session> and <chat-room> at once', () => {
    expect(customElements.get('parley-session')).to.not.equal(undefined);
    expect(customElements.get('chat-room')).to.not.equal(undefined);
  });

  it('defines <workspace-editor> only once one appears, and upgrades it', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(customElements.get('workspace-editor'), 'not loaded on a page without the tag').to.equal(undefined);

    const host = document.createElement('div');
    host.innerHTML = '<section><workspace-editor room="r1"></workspace-editor></section>';
    document.body.append(host);
    await customElements.whenDefined('workspace-editor');
    const el = host.querySelector('workspace-editor');
    await until(() => el?.shadowRoot?.querySelector('[part~="task-input"]') != null, 'the element upgraded and rendered');
    expect(el?.shadowRoot?.querySelector('[part~="banner"]')?.textContent).to.contain('Not connected');
    host.remove();
  });

  it('defines <room-list> only once one appears', async () => {
    expect(customElements.get('room-list'), 'not loaded on a page without the tag').to.equal(undefined);
    const list = document.createElement('room-list');
    document.body.append(list);
    await customElements.whenDefined('room-list');
    await until(() => list.shadowRoot !== null, 'the element upgraded');
    list.remove();
  });
});
