/**
 * `<chat-room>` live state from a second user against a real server:
 * presence in the header and beside authors, the typing indicator, and a
 * refused send that shows Retry and delivers on retry.
 */
import { expect, fixture, html } from '@open-wc/testing';
import type { ChatRoom } from './chat-room.component.js';
import { button, client, closeClients, messageWith, pair, root, say, texts, type, unique, until } from '../../../test-support/chat-room.js';

afterEach(closeClients);

function online(el: ChatRoom): HTMLElement | null {
  return root(el).querySelector<HTMLElement>('[part~="online"]');
}

describe('<chat-room> presence and live state', () => {
  it('shows who is online in a group room, beside authors, and follows changes', async () => {
    const { a, b, bob } = await pair('elements-presence');
    await say(b, 'from bob');
    await until(() => messageWith(a, 'from bob') !== undefined, 'ada sees bob’s message');
    await until(() => online(a)?.textContent?.trim() === '2 online', 'both online in the header');
    await until(
      () => messageWith(a, 'from bob')?.querySelector('[part~="presence"]')?.getAttribute('data-status') === 'online',
      'an online dot beside bob',
    );
    expect(online(a)?.getAttribute('title')).to.contain(bob.state.user?.id ?? '?');

    // Bob leaves: the header and the dot follow without a reload.
    b.remove();
    await bob.logout();
    await until(() => online(a)?.textContent?.trim() === '1 online', 'one online');
    await until(() => messageWith(a, 'from bob')?.querySelector('[part~="presence"]') == null, 'no dot for an offline author');
  });

  it('shows the peer’s presence in a direct room', async () => {
    const ada = await client('elements-presence', unique('ada'));
    const bob = await client('elements-presence', unique('bob'));
    const room = await ada.directRoom(bob.state.user?.id ?? '');
    const a = await fixture<ChatRoom>(html`<chat-room .client=${ada} room=${room.id}></chat-room>`);
    await until(() => online(a)?.dataset.status === 'online', 'the peer shows online');
    expect(online(a)?.textContent?.trim()).to.equal('Online');
    await bob.logout();
    await until(() => online(a)?.dataset.status === 'offline', 'the peer shows offline');
    expect(online(a)?.textContent?.trim()).to.equal('Offline');
  });

  it('shows when the other user is typing', async () => {
    const { a, b, bob } = await pair();
    const typing = (): string => root(a).querySelector('[part~="typing"]')?.textContent?.trim() ?? '';
    expect(typing()).to.equal('');
    // Everything the indicator showed: it expires a few seconds after bob's last keystroke,
    // which on a busy machine may pass before a poll would look.
    const shown: { text: string; live: string | null }[] = [];
    const observer = new MutationObserver(() => {
      const indicator = root(a).querySelector('[part~="typing"]');
      const text = indicator?.textContent?.trim() ?? '';
      if (text !== '') shown.push({ text, live: indicator?.getAttribute('aria-live') ?? null });
    });
    observer.observe(root(a), { subtree: true, childList: true, characterData: true, attributes: true });
    await type(b, 'I am writ');
    await until(() => shown.some((s) => s.text === `${bob.state.user?.id} is typing…`), 'ada sees bob typing');
    observer.disconnect();
    expect(shown.find((s) => s.text === `${bob.state.user?.id} is typing…`)?.live).to.equal('polite');
    // Sending ends it.
    await say(b, 'ing');
    await until(() => texts(a).includes('I am writing'), 'the message arrives');
    await until(() => typing() === '', 'the indicator clears');
  });

  it('marks a refused send as failed with Retry, and Retry delivers it', async () => {
    const { a, b, ada, bob, room } = await pair();
    const bobId = bob.state.user?.id ?? '';
    await ada.room(room).mute(bobId);
    await say(b, 'while muted');
    await until(() => messageWith(b, 'while muted')?.dataset.status === 'failed', 'failed');
    const failed = messageWith(b, 'while muted') as HTMLElement;
    expect(failed.querySelector('[part~="error"]')?.textContent).to.contain('Not sent');
    expect(failed.querySelector('[part~="status"]')?.textContent).to.equal('Not sent');
    expect(messageWith(a, 'while muted'), 'ada never gets it').to.equal(undefined);

    await ada.room(room).unmute(bobId);
    button(failed, 'Retry').click();
    await until(() => messageWith(a, 'while muted') !== undefined, 'ada receives it after the retry');
    await until(() => ['sent', 'delivered', 'read'].includes(messageWith(b, 'while muted')?.dataset.status ?? ''), 'committed');
    expect(messageWith(b, 'while muted')?.querySelector('[part~="retry"]')).to.equal(null);
    expect(texts(a).filter((t) => t === 'while muted')).to.have.length(1);
  });
});
