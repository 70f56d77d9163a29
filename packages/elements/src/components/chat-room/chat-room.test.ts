/**
 * `<chat-room>` against a real Parley server (started by the test runner),
 * with real WebSockets, IndexedDB and keyboard input: chatting, markdown and
 * safety, edits, reactions, delete confirmation, offline, keyboard, history
 * paging, attachments, axe. Threads and mentions, history windowing and
 * presence have their own files.
 */
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import type { ChatRoom } from './chat-room.component.js';
import type { ParleyMessageSendEvent } from '../../events/parley-message-send.js';
import {
  button,
  client,
  closeClients,
  focused,
  input,
  messages,
  messageWith,
  pair,
  repeatUntil,
  root,
  say,
  texts,
  type,
  unique,
  until,
  AXE_OPTIONS,
} from '../../../test-support/chat-room.js';

afterEach(closeClients);

describe('<chat-room>', () => {
  it('lets two users chat; own messages go pending → sent → delivered/read', async () => {
    const { a, b } = await pair();
    const seen: string[] = [];
    const observer = new MutationObserver(() => {
      const status = messageWith(a, 'hello bob')?.dataset.status;
      if (status && seen.at(-1) !== status) seen.push(status);
    });
    observer.observe(root(a), { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });

    await say(a, 'hello bob');
    await until(() => messageWith(b, 'hello bob') !== undefined, 'bob sees the message');
    await until(() => ['delivered', 'read'].includes(messageWith(a, 'hello bob')?.dataset.status ?? ''), 'delivery');
    observer.disconnect();
    expect(seen[0]).to.equal('pending');
    expect(seen).to.include('sent');
    expect(seen.indexOf('sent')).to.be.greaterThan(seen.indexOf('pending'));
    expect(input(a).value).to.equal('');

    await say(b, 'hi ada');
    await until(() => texts(a).includes('hi ada'), 'ada sees the reply');
    expect(texts(a)).to.deep.equal(['hello bob', 'hi ada']);
    expect(messageWith(a, 'hi ada')?.querySelector('[part~="status"]'), 'no delivery state on others’ messages').to.equal(null);
  });

  it('sends on Enter, adds a line on Shift+Enter', async () => {
    const { a, b } = await pair();
    await type(a, 'line one');
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await type(a, 'line two');
    expect(input(a).value).to.equal('line one\nline two');
    expect(messages(a)).to.have.length(0);
    await sendKeys({ press: 'Enter' });
    await until(() => texts(b).includes('line one\nline two'), 'bob sees both lines in one message');
    expect(texts(a)).to.deep.equal(['line one\nline two']);
  });

  it('renders HTML payloads as text and creates no element', async () => {
    const { a, b } = await pair();
    const payload = '<img src=x onerror="window.pwnedByChat=1"><script>window.pwnedByChat=2</script>';
    await say(a, payload);
    await until(() => messageWith(b, payload) !== undefined, 'bob sees the payload');
    for (const el of [a, b]) {
      const message = messageWith(el, payload);
      expect(message?.querySelector('img, script')).to.equal(null);
    }
    expect(root(b).querySelector('[part~="messages"] img, [part~="messages"] script')).to.equal(null);
    expect((window as unknown as { pwnedByChat?: number }).pwnedByChat).to.equal(undefined);
  });

  it('renders inline markdown and safe links', async () => {
    const { a, b } = await pair();
    await say(a, 'a **bold** [link](https://example.com) [bad](javascript:alert(1))');
    await until(() => messages(b).length === 1, 'bob sees it');
    const message = messages(b)[0] as HTMLElement;
    expect(message.querySelector('strong')?.textContent).to.equal('bold');
    const links = [...message.querySelectorAll('a')];
    expect(links.map((l) => l.getAttribute('href'))).to.deep.equal(['https://example.com/']);
    expect(links[0]?.getAttribute('rel')).to.equal('noopener noreferrer');
  });

  it('edits, deletes, reacts and replies in a thread', async () => {
    const { a, b } = await pair();
    await say(a, 'first draft');
    await until(() => messageWith(b, 'first draft') !== undefined, 'bob sees it');
    await until(() => messageWith(a, 'first draft')?.dataset.status !== 'pending', 'committed');

    // Edit: ArrowUp in the empty composer picks the last own message.
    input(a).focus();
    await sendKeys({ press: 'ArrowUp' });
    await a.updateComplete;
    expect(input(a).value).to.equal('first draft');
    input(a).select();
    await sendKeys({ type: 'final text' });
    await sendKeys({ press: 'Enter' });
    await until(() => messageWith(b, 'final text') !== undefined, 'bob sees the edit');
    expect(messageWith(b, 'final text')?.textContent).to.contain('(edited)');

    // Escape cancels an edit.
    button(messageWith(a, 'final text') as HTMLElement, 'Edit').click();
    await a.updateComplete;
    expect(input(a).value).to.equal('final text');
    input(a).focus();
    await sendKeys({ press: 'Escape' });
    await a.updateComplete;
    expect(input(a).value).to.equal('');
    expect(root(a).querySelector('[part~="composer-bar"]')).to.equal(null);

    // React from bob's side; ada sees the count and who reacted.
    const target = messageWith(b, 'final text') as HTMLElement;
    button(target, 'Add reaction').click();
    await b.updateComplete;
    button(messageWith(b, 'final text') as HTMLElement, 'React with 👍').click();
    await until(() => messageWith(a, 'final text')?.querySelector('[part~="reaction"]') != null, 'ada sees the reaction');
    const reaction = messageWith(a, 'final text')?.querySelector('[part~="reaction"]') as HTMLElement;
    expect(reaction.textContent?.replace(/\s+/g, ' ').trim()).to.equal('👍 1');
    expect(reaction.getAttribute('title')).to.contain('bob-');
    // Toggling it off again.
    const mine = messageWith(b, 'final text')?.querySelector('[part~="reaction"]') as HTMLButtonElement;
    expect(mine.getAttribute('aria-pressed')).to.equal('true');
    mine.click();
    await until(() => messageWith(a, 'final text')?.querySelector('[part~="reaction"]') == null, 'reaction removed');

    // Reply: the "replying to" bar, then the parent shows its thread.
    button(messageWith(b, 'final text') as HTMLElement, 'Reply').click();
    await b.updateComplete;
    expect(root(b).querySelector('[part~="composer-bar"]')?.textContent).to.contain('Replying to');
    await say(b, 'a reply');
    await until(() => messageWith(a, 'final text')?.querySelector('[part~="thread-link"]') != null, 'reply count');
    const threadOpened = oneEvent(a, 'parley-thread-open');
    (messageWith(a, 'final text')?.querySelector('[part~="thread-link"]') as HTMLButtonElement).click();
    await threadOpened;
    await until(
      () => (root(a).querySelector('[part~="thread"]')?.textContent ?? '').includes('a reply'),
      'the thread panel lists the reply',
    );

    // Delete: a tombstone replaces the text for both.
    const deleted = oneEvent(a, 'parley-message-delete');
    button(messageWith(a, 'final text') as HTMLElement, 'Delete').click();
    await a.updateComplete;
    button(messageWith(a, 'final text')?.querySelector('[part~="confirm"]') as HTMLElement, 'Delete').click();
    await deleted;
    await until(() => texts(b).includes('Message deleted'), 'bob sees the tombstone');
    expect(texts(b)).not.to.include('final text');
  });

  it('asks before deleting: Escape and Cancel keep the message, focus returns to Delete', async () => {
    const { a, b } = await pair();
    await say(a, 'keep me');
    await until(() => messageWith(b, 'keep me') !== undefined, 'bob sees it');
    await until(() => messageWith(a, 'keep me')?.dataset.status !== 'pending', 'committed');
    let fired = 0;
    a.addEventListener('parley-message-delete', () => fired++);

    // Delete asks; the safe answer has focus, and Escape leaves the message alone.
    button(messageWith(a, 'keep me') as HTMLElement, 'Delete').click();
    await until(() => focused(a)?.getAttribute('part') === 'confirm-cancel', 'focus on Cancel');
    const question = messageWith(a, 'keep me')?.querySelector('[part~="confirm"]');
    expect(question?.getAttribute('role')).to.equal('group');
    expect(question?.textContent).to.contain('Delete this message?');
    await sendKeys({ press: 'Escape' });
    await until(() => messageWith(a, 'keep me')?.querySelector('[part~="confirm"]') == null, 'question closed');
    await until(() => focused(a)?.getAttribute('part') === 'delete', 'focus back on Delete');

    // Cancel by keyboard: Enter on the focused Cancel.
    await sendKeys({ press: 'Enter' }); // Delete again (it has focus)
    await until(() => focused(a)?.getAttribute('part') === 'confirm-cancel', 'asked again');
    await sendKeys({ press: 'Enter' });
    await until(() => messageWith(a, 'keep me')?.querySelector('[part~="confirm"]') == null, 'cancelled');
    expect(fired).to.equal(0);
    expect(texts(b)).to.deep.equal(['keep me']);

    // Confirming deletes for both; focus stays on the message.
    button(messageWith(a, 'keep me') as HTMLElement, 'Delete').click();
    await until(() => focused(a)?.getAttribute('part') === 'confirm-cancel', 'asked a third time');
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ up: 'Shift' });
    expect(focused(a)?.getAttribute('part')).to.equal('confirm-delete');
    await sendKeys({ press: 'Enter' });
    await until(() => texts(b).includes('Message deleted'), 'bob sees the tombstone');
    expect(fired).to.equal(1);
    await until(() => focused(a)?.getAttribute('part')?.split(' ').includes('message') === true, 'focus on the message');
  });

  it('keeps an over-long message in the composer and says why', async () => {
    const { a, ada } = await pair();
    const max = ada.limits?.maxTextLength ?? 0;
    expect(max).to.be.greaterThan(0);
    const field = input(a);
    field.focus();
    field.value = 'x'.repeat(max + 1);
    field.dispatchEvent(new Event('input'));
    await sendKeys({ press: 'Enter' });
    await until(() => (root(a).querySelector('[part~="banner"]')?.textContent ?? '').includes('limited to'), 'the limit is explained');
    expect(root(a).querySelector('[part~="banner"]')?.textContent).to.contain(max.toLocaleString('en'));
    expect(input(a).value).to.have.length(max + 1);
    expect(messages(a)).to.have.length(0);
  });

  it('keeps saying why an over-long message was not sent when the history arrives later', async () => {
    const ada = await client('elements-chat', unique('ada'));
    const max = ada.limits?.maxTextLength ?? 0;
    expect(max).to.be.greaterThan(0);
    const room = await ada.createRoom({ kind: 'group', name: 'Slow history', members: [] });
    await room.send('already here');
    // The first page is held back until the refused send has been explained (a slow server).
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let loaded = false;
    const loadOlder = room.loadOlder.bind(room);
    room.loadOlder = async (limit) => {
      await held;
      const result = await loadOlder(limit);
      loaded = true;
      return result;
    };
    const a = await fixture<ChatRoom>(html`<chat-room .client=${ada} room=${room.id}></chat-room>`);
    const banner = () => root(a).querySelector('[part~="banner"]')?.textContent ?? '';

    const field = input(a);
    field.focus();
    field.value = 'x'.repeat(max + 1);
    field.dispatchEvent(new Event('input'));
    await sendKeys({ press: 'Enter' });
    await until(() => banner().includes('limited to'), 'the limit is explained');

    release();
    await until(() => loaded, 'the history arrives');
    await a.updateComplete;
    expect(banner()).to.contain('limited to');
    expect(input(a).value).to.have.length(max + 1);
  });

  it('shows a failed first page in the banner and leaves no unhandled rejection', async () => {
    const ada = await client('elements-chat', unique('ada'));
    const room = await ada.createRoom({ kind: 'group', name: 'No history', members: [] });
    room.loadOlder = () => Promise.reject(new Error('history is unavailable'));
    const unhandled: unknown[] = [];
    const onUnhandled = (event: PromiseRejectionEvent): void => {
      unhandled.push(event.reason);
      event.preventDefault();
    };
    window.addEventListener('unhandledrejection', onUnhandled);
    try {
      const a = await fixture<ChatRoom>(html`<chat-room .client=${ada} room=${room.id}></chat-room>`);
      await until(() => (root(a).querySelector('[part~="banner"]')?.textContent ?? '').includes('history is unavailable'), 'the failure shown');
      // A round trip to the server: many tasks after the one an unhandled rejection would be reported in.
      await ada.request('ping', {});
      expect(unhandled.map(String)).to.deep.equal([]);
    } finally {
      window.removeEventListener('unhandledrejection', onUnhandled);
    }
  });

  it('fires a cancelable parley-message-send', async () => {
    const { a } = await pair();
    a.addEventListener('parley-message-send', (event: ParleyMessageSendEvent) => event.preventDefault(), { once: true });
    const fired = oneEvent(a, 'parley-message-send');
    await say(a, 'handled by the host');
    const event = (await fired) as unknown as ParleyMessageSendEvent;
    expect(event.text).to.equal('handled by the host');
    expect(event.room).to.equal(a.room);
    await a.updateComplete;
    expect(messages(a)).to.have.length(0);
  });

  it('shows the offline banner and pending messages, and delivers them once after a restart', async () => {
    const server = 'elements-offline';
    const { ada, bob, a, b } = await pair(server);
    await executeServerCommand('parley-server-stop', { name: server });
    await until(() => ada.state.connection === 'offline', 'ada offline');
    await until(() => root(a).querySelector('[part~="banner"]') != null, 'banner');

    await say(a, 'sent while offline');
    await until(() => messageWith(a, 'sent while offline')?.dataset.status === 'pending', 'pending');
    await until(() => (root(a).querySelector('[part~="banner"]')?.textContent ?? '').includes('1 change is waiting'), 'pending count');

    await executeServerCommand('parley-server-start', { name: server });
    await until(() => bob.state.connection === 'online', 'bob back online');
    await until(() => messageWith(b, 'sent while offline') !== undefined, 'bob receives it');
    await until(() => ['delivered', 'read'].includes(messageWith(a, 'sent while offline')?.dataset.status ?? ''), 'delivered');
    await until(() => root(a).querySelector('[part~="banner"]') == null, 'banner gone');
    expect(texts(b).filter((t) => t === 'sent while offline')).to.have.length(1);
  });

  it('moves focus through messages with the arrow keys', async () => {
    const { a, b } = await pair();
    await say(a, 'one');
    await say(a, 'two');
    await until(() => texts(b).length === 2, 'bob sees both');
    const [first, second] = messages(b) as [HTMLElement, HTMLElement];
    expect(second.tabIndex).to.equal(0);
    expect(first.tabIndex).to.equal(-1);
    second.focus();
    await sendKeys({ press: 'ArrowUp' });
    await b.updateComplete;
    expect(root(b).activeElement).to.equal(first);
    expect(first.tabIndex).to.equal(0);
    expect(second.tabIndex).to.equal(-1);
  });

  it('works alone with server, user and dev attributes, and pages history from the newest', async () => {
    const server = 'elements-chat';
    // Ada's own messages: nothing is unread, so the room opens at the newest (see the history tests for the divider).
    const adaId = unique('ada');
    // In memory, so the element's own client (IndexedDB) starts from the server, not from this one's cache.
    const ada = await client(server, adaId, { offline: 'memory' });
    const room = await ada.createRoom({ kind: 'group', name: 'History', members: [unique('bob')] });
    const sent = Array.from({ length: 60 }, (_, i) => `m${i + 1}`);
    for (const text of sent) await room.send(text);
    const url = await executeServerCommand<string, { name: string }>('parley-server-url', { name: server });
    const b = await fixture<ChatRoom>(html`<chat-room server=${url} user=${adaId} dev room=${room.id} style="height: 300px"></chat-room>`);
    await until(() => texts(b).includes('m60'), 'the newest page shows');
    expect(texts(b)).not.to.include('m1');
    const log = root(b).querySelector('[part~="messages"]') as HTMLElement;
    await until(() => log.scrollHeight - log.scrollTop - log.clientHeight < 48, 'scrolled to the newest');

    // Scrolling to the top loads the older page and keeps the visible message in place.
    const anchor = messageWith(b, texts(b)[0] as string) as HTMLElement;
    // As a reader does: scroll up again until the older page is there (a page in a background
    // tab of the test browser may get its scroll events late).
    await repeatUntil(
      () => {
        if (log.scrollTop > 0) log.scrollTop = 0;
      },
      () => texts(b).includes('m1'),
      'older messages load',
      { intervalMs: 100 },
    );
    expect(texts(b)).to.deep.equal(sent);
    expect(log.scrollTop).to.be.greaterThan(0);
    const top = anchor.getBoundingClientRect().top - log.getBoundingClientRect().top;
    expect(top).to.be.at.least(-anchor.offsetHeight);
    expect(root(b).textContent).to.contain('This is the beginning of the conversation.');
    b.remove();
  });

  it('uploads an attachment and shows an image preview', async () => {
    const { a, b } = await pair();
    // A 1×1 PNG.
    const png = Uint8Array.from(
      atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='),
      (c) => c.charCodeAt(0),
    );
    const files = new DataTransfer();
    files.items.add(new File([png], 'dot.png', { type: 'image/png' }));
    const fileInput = root(a).querySelector<HTMLInputElement>('input[type="file"]') as HTMLInputElement;
    fileInput.files = files.files;
    fileInput.dispatchEvent(new Event('change'));
    await until(() => (root(a).querySelector('[part~="composer"]')?.textContent ?? '').includes('Attachment: dot.png'), 'upload done');
    await say(a, 'a picture');
    await until(() => messageWith(b, 'a picture')?.querySelector('img[part~="attachment-image"]') != null, 'bob sees a preview');
    const image = messageWith(b, 'a picture')?.querySelector('img') as HTMLImageElement;
    expect(image.alt).to.equal('dot.png');
    await until(() => image.complete && image.naturalWidth === 1, 'the preview loads from the signed URL');
  });

  it('shows upload progress and a local preview, and lets the user remove or cancel an attachment', async () => {
    const { a } = await pair();
    const composer = () => root(a).querySelector('[part~="composer"]') as HTMLElement;
    const fileInput = root(a).querySelector<HTMLInputElement>('input[type="file"]') as HTMLInputElement;
    const choose = (file: File) => {
      const files = new DataTransfer();
      files.items.add(file);
      fileInput.files = files.files;
      fileInput.dispatchEvent(new Event('change'));
    };
    // Record every progress bar state the user could have seen.
    const seen: { value: number; max: number }[] = [];
    const observer = new MutationObserver(() => {
      const bar = composer().querySelector<HTMLProgressElement>('progress[part~="upload-progress"]');
      if (bar) seen.push({ value: bar.value, max: bar.max });
    });
    observer.observe(root(a), { subtree: true, childList: true, attributes: true, characterData: true });
    const png = Uint8Array.from(
      atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='),
      (c) => c.charCodeAt(0),
    );
    choose(new File([png], 'dot.png', { type: 'image/png' }));
    await until(() => composer().textContent!.includes('Attachment: dot.png'), 'upload done');
    observer.disconnect();
    expect(seen.length, 'a progress bar was shown').to.be.greaterThan(0);
    expect(seen[0]!.max).to.equal(png.length);
    expect(composer().querySelector('progress'), 'the bar goes when done').to.equal(null);
    const preview = composer().querySelector<HTMLImageElement>('img[part~="attachment-preview"]');
    expect(preview, 'a local preview of the image').to.not.equal(null);
    expect(preview!.src.startsWith('blob:')).to.equal(true);

    composer().querySelector<HTMLButtonElement>('[part~="attachment-remove"]')!.click();
    await until(() => !composer().textContent!.includes('dot.png'), 'removed');

    // Cancel as soon as the bar appears: nothing is attached and no error is shown.
    let clicked = false;
    const cancelled = new MutationObserver(() => {
      const button = composer().querySelector<HTMLButtonElement>('[part~="upload-cancel"]');
      if (button && !clicked) {
        clicked = true;
        button.click();
      }
    });
    cancelled.observe(root(a), { subtree: true, childList: true });
    choose(new File([new Uint8Array(4 * 1024 * 1024)], 'big.bin', { type: 'application/octet-stream' }));
    await until(() => clicked, 'cancel offered');
    await until(() => composer().querySelector('progress') === null, 'upload ended');
    cancelled.disconnect();
    expect(composer().textContent).to.not.contain('big.bin');
    expect(root(a).querySelector('[part~="error"]')?.textContent ?? '').to.not.contain('Could not upload');
  });

  for (const theme of ['light', 'dark']) {
    it(`passes axe in the ${theme} theme`, async () => {
      const { a, b } = await pair();
      a.setAttribute('theme', theme);
      await say(a, 'hello **there** @nobody with `code` and https://example.com');
      await until(() => texts(b).length === 1, 'bob sees it');
      await until(() => messages(a)[0]?.dataset.status !== 'pending', 'committed');
      await expect(a).to.be.accessible(AXE_OPTIONS);
    });
  }
});
