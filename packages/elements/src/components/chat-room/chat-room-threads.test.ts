/**
 * `<chat-room>` threads and mentions against a real server: replying from the
 * thread panel's own composer (live for both users), and `@` completion by
 * keyboard with the ARIA combobox wiring.
 */
import { expect, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { ChatRoom } from './chat-room.component.js';
import type { ParleyMessageSendEvent } from '../../events/parley-message-send.js';
import { AXE_OPTIONS, button, closeClients, focused, input, messageWith, pair, root, say, texts, type, unique, until } from '../../../test-support/chat-room.js';

afterEach(closeClients);

function thread(el: ChatRoom): HTMLElement | null {
  return root(el).querySelector<HTMLElement>('[part~="thread"]');
}

function threadTexts(el: ChatRoom): string[] {
  return [...(thread(el)?.querySelectorAll('[part~="message"] [part~="text"]') ?? [])].map((t) => t.textContent?.trim() ?? '');
}

function listbox(el: ChatRoom, part = 'input'): HTMLElement | null {
  const id = input(el, part).getAttribute('aria-controls') ?? '';
  return root(el).getElementById(id);
}

function options(el: ChatRoom, part = 'input'): HTMLElement[] {
  return [...(listbox(el, part)?.querySelectorAll<HTMLElement>('[role="option"]') ?? [])];
}

describe('<chat-room> threads', () => {
  it('replies in the thread panel with Enter, Shift+Enter and Escape, and the thread updates live', async () => {
    const { a, b } = await pair();
    await say(a, 'the question');
    await until(() => messageWith(b, 'the question') !== undefined, 'bob sees it');
    await until(() => messageWith(a, 'the question')?.dataset.status !== 'pending', 'committed');

    // Bob answers from the main composer (Reply), which starts the thread.
    button(messageWith(b, 'the question') as HTMLElement, 'Reply').click();
    await say(b, 'first answer');
    await until(() => messageWith(a, 'the question')?.querySelector('[part~="thread-link"]') != null, 'a reply count');

    const opened = oneEvent(a, 'parley-thread-open');
    (messageWith(a, 'the question')?.querySelector('[part~="thread-link"]') as HTMLButtonElement).click();
    await opened;
    await until(() => threadTexts(a).includes('first answer'), 'the panel lists the reply');
    expect(threadTexts(a)).to.deep.equal(['the question', 'first answer']);
    await until(() => focused(a) === input(a, 'thread-input'), 'focus in the thread composer');

    // Shift+Enter adds a line; Enter sends into the thread (parentId), not the room.
    const sent = oneEvent(a, 'parley-message-send');
    await type(a, 'line one', 'thread-input');
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await sendKeys({ type: 'line two' });
    await sendKeys({ press: 'Enter' });
    const event = (await sent) as unknown as ParleyMessageSendEvent;
    const parentId = messageWith(a, 'the question')?.dataset.id;
    expect(event.parentId).to.equal(parentId);
    expect(input(a, 'thread-input').value).to.equal('');
    expect(input(a).value, 'the main composer is untouched').to.equal('');
    await until(() => threadTexts(a).includes('line one\nline two'), 'ada sees her reply in the thread');

    // Bob, with the thread open too, sees it arrive live; his reply arrives live in Ada's panel.
    (messageWith(b, 'the question')?.querySelector('[part~="thread-link"]') as HTMLButtonElement).click();
    await until(() => threadTexts(b).includes('line one\nline two'), 'bob sees ada’s thread reply');
    await say(b, 'second answer', 'thread-input');
    await until(() => threadTexts(a).includes('second answer'), 'ada’s panel updates live');
    expect(threadTexts(a)).to.deep.equal(['the question', 'first answer', 'line one\nline two', 'second answer']);
    // Replies also show in the room with the quote of their parent.
    const reply = messageWith(a, 'second answer');
    expect(reply?.querySelector('[part~="reply-quote"]')?.textContent).to.contain('the question');

    // ArrowUp in the empty thread composer edits Ada's last reply; Escape cancels the edit.
    input(a, 'thread-input').focus();
    await sendKeys({ press: 'ArrowUp' });
    await until(() => input(a, 'thread-input').value === 'line one\nline two', 'editing the last own reply');
    expect(thread(a)?.querySelector('[part~="composer-bar"]')?.textContent).to.contain('Editing');
    await sendKeys({ press: 'Escape' });
    await until(() => input(a, 'thread-input').value === '', 'edit cancelled');
    expect(thread(a), 'Escape cancelled the edit, not the panel').not.to.equal(null);

    // A second Escape closes the panel and focus goes back to the parent in the log.
    await sendKeys({ press: 'Escape' });
    await until(() => thread(a) === null, 'panel closed');
    await until(() => (focused(a) as HTMLElement | null)?.dataset.id === parentId, 'focus back on the parent');
    expect(texts(a)).to.include('second answer');
  });
});

describe('<chat-room> mentions', () => {
  it('completes @ with room members by keyboard and the sent mention is highlighted', async () => {
    const { a, b, bob } = await pair();
    const bobId = bob.state.user?.id ?? '';
    // Wait until Ada's room knows its members.
    await until(() => a.activeClient?.state.rooms[a.room]?.members?.length === 2, 'members loaded');

    const field = input(a);
    expect(field.getAttribute('role')).to.equal('combobox');
    expect(field.getAttribute('aria-expanded')).to.equal('false');
    expect(listbox(a)?.getAttribute('role'), 'aria-controls points at the listbox').to.equal('listbox');

    await type(a, 'hi @bo');
    await until(() => field.getAttribute('aria-expanded') === 'true', 'the list opens');
    expect(options(a).map((o) => o.textContent?.trim())).to.deep.equal([bobId]);
    expect(field.getAttribute('aria-activedescendant')).to.equal(options(a)[0]?.id);
    expect(options(a)[0]?.getAttribute('aria-selected')).to.equal('true');

    // Escape closes the list and keeps the text; typing reopens it.
    await sendKeys({ press: 'Escape' });
    await until(() => field.getAttribute('aria-expanded') === 'false', 'closed by Escape');
    expect(field.value).to.equal('hi @bo');
    expect(field.hasAttribute('aria-activedescendant')).to.equal(false);
    await sendKeys({ type: 'b' });
    await until(() => field.getAttribute('aria-expanded') === 'true', 'reopened');

    // Enter accepts (it does not send), inserting the id the server recognises.
    await sendKeys({ press: 'Enter' });
    await until(() => field.value === `hi @${bobId} `, 'mention inserted');
    expect(field.getAttribute('aria-expanded')).to.equal('false');
    expect(texts(a)).to.deep.equal([]);
    await sendKeys({ type: 'welcome' });
    await sendKeys({ press: 'Enter' });

    // Both see the mention highlighted; for Bob it is a mention of him.
    const text = `hi @${bobId} welcome`;
    await until(() => messageWith(b, text)?.querySelector('[part~="mention"]') != null, 'bob sees the mention');
    expect(messageWith(b, text)?.querySelector('[part~="mention"]')?.textContent).to.equal(`@${bobId}`);
    expect(messageWith(b, text)?.querySelector('[part~="mention-me"]')).not.to.equal(null);
    await until(() => messageWith(a, text)?.querySelector('[part~="mention"]') != null, 'ada sees it highlighted once sent');
  });

  it('moves through several matches with the arrow keys and accepts with Tab', async () => {
    const { a, ada, room } = await pair();
    // Two more members whose ids start with "z" (the random parts of ids are hex: no other id has a "z").
    const extra = [unique('zed'), unique('zoe')];
    for (const user of extra) await ada.room(room).invite(user);
    await until(() => (ada.state.rooms[room]?.members?.length ?? 0) >= 4, 'four members');
    await type(a, '@z');
    await until(() => options(a).length === 2, 'two options');
    expect(options(a).map((o) => o.textContent?.trim())).to.deep.equal(extra);
    await sendKeys({ press: 'ArrowDown' });
    await a.updateComplete;
    expect(input(a).getAttribute('aria-activedescendant')).to.equal(options(a)[1]?.id);
    await sendKeys({ press: 'ArrowDown' }); // wraps around
    await sendKeys({ press: 'ArrowUp' });
    await a.updateComplete;
    expect(options(a)[1]?.getAttribute('aria-selected')).to.equal('true');
    await sendKeys({ press: 'Tab' });
    await until(() => input(a).value === `@${extra[1]} `, 'Tab accepts the highlighted one');
    expect(focused(a), 'focus stays in the field').to.equal(input(a));
  });

  it('passes axe with the mention list open', async () => {
    const { a } = await pair();
    await until(() => a.activeClient?.state.rooms[a.room]?.members?.length === 2, 'members loaded');
    await type(a, '@');
    await until(() => input(a).getAttribute('aria-expanded') === 'true', 'the list opens');
    await expect(a).to.be.accessible(AXE_OPTIONS);
  });
});
