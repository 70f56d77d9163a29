/**
 * Helpers shared by the `<chat-room>` browser tests: real clients against the
 * real servers of web-test-runner.config.mjs, fixtures, and lookups through
 * the element's documented parts.
 */
import { fixture, html } from '@open-wc/testing';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import { createClient } from '@parley/sdk';
import type { ClientOptions, ParleyClient } from '@parley/sdk';
import '../src/components/chat-room/chat-room.js';
import type { ChatRoom } from '../src/components/chat-room/chat-room.component.js';
import { eventually, repeatUntil, unique, until } from '../../../test-support/browser.js';

export { eventually, repeatUntil, unique, until };

const open: ParleyClient[] = [];

/** A connected client for a fresh user on the named test server (`options` e.g. `{ offline: 'memory' }`). */
export async function client(server: string, user: string, options: Partial<ClientOptions> = {}): Promise<ParleyClient> {
  const url = await executeServerCommand<string, { name: string }>('parley-server-url', { name: server });
  const token = await executeServerCommand<string, { name: string; user: string }>('parley-token', { name: server, user });
  const c = createClient({ url, token, reconnect: { baseMs: 50, capMs: 500 }, ...options });
  open.push(c);
  await c.connect();
  await c.whenOnline();
  return c;
}

/** Logs out every client the helpers made (call in `afterEach`). */
export async function closeClients(): Promise<void> {
  for (const c of open.splice(0)) await c.logout();
}

/** Two users in a fresh group room, each with a `<chat-room>`. */
export async function pair(
  server = 'elements-chat',
): Promise<{ ada: ParleyClient; bob: ParleyClient; a: ChatRoom; b: ChatRoom; room: string }> {
  const ada = await client(server, unique('ada'));
  const bob = await client(server, unique('bob'));
  const room = await ada.createRoom({ kind: 'group', name: 'Elements', members: [bob.state.user?.id ?? ''] });
  await until(() => bob.state.rooms[room.id]?.info != null, 'bob knows the room');
  const a = await fixture<ChatRoom>(html`<chat-room .client=${ada} room=${room.id}></chat-room>`);
  const b = await fixture<ChatRoom>(html`<chat-room .client=${bob} room=${room.id}></chat-room>`);
  return { ada, bob, a, b, room: room.id };
}

export function root(el: ChatRoom): ShadowRoot {
  if (!el.shadowRoot) throw new Error('no shadow root');
  return el.shadowRoot;
}

/** User messages in the main log (not the thread panel, not system messages). */
export function messages(el: ChatRoom): HTMLElement[] {
  return [...root(el).querySelectorAll<HTMLElement>('[part~="messages"] [part~="message"]:not([part~="system-message"])')];
}

/** The text of each message in the main log, or "Message deleted". */
export function texts(el: ChatRoom): string[] {
  return messages(el).map((m) => m.querySelector('[part~="text"], [part~="tombstone"]')?.textContent?.trim() ?? '');
}

/** The message showing `text`: in the main log, or in `scope` (e.g. the thread panel). */
export function messageWith(el: ChatRoom, text: string, scope?: ParentNode | null): HTMLElement | undefined {
  const within = scope ?? root(el).querySelector('[part~="messages"]');
  return [...(within?.querySelectorAll<HTMLElement>('[part~="message"]') ?? [])].find(
    (m) => m.querySelector('[part~="text"]')?.textContent?.trim() === text,
  );
}

/** The main composer's field, or the thread panel's with `part`. */
export function input(el: ChatRoom, part = 'input'): HTMLTextAreaElement {
  const field = root(el).querySelector<HTMLTextAreaElement>(`[part="${part}"]`);
  if (!field) throw new Error(`no ${part}`);
  return field;
}

/** Types like a user: focus the field, then real key presses. */
export async function type(el: ChatRoom, text: string, part = 'input'): Promise<void> {
  input(el, part).focus();
  await sendKeys({ type: text });
}

export async function say(el: ChatRoom, text: string, part = 'input'): Promise<void> {
  await type(el, text, part);
  await sendKeys({ press: 'Enter' });
}

export function button(scope: ParentNode, label: string): HTMLButtonElement {
  const found = [...scope.querySelectorAll<HTMLButtonElement>('button')].find(
    (b) => b.getAttribute('aria-label') === label || b.textContent?.trim() === label,
  );
  if (!found) throw new Error(`no button "${label}"`);
  return found;
}

/** The element that has focus inside the chat room's shadow root. */
export function focused(el: ChatRoom): Element | null {
  return root(el).activeElement;
}

/**
 * axe options for `<chat-room>`: the composer's `<textarea>` carries
 * `role="combobox"` (the ARIA 1.2 combobox pattern for `@` completion, with
 * `aria-expanded`, `aria-controls`, `aria-activedescendant`), which ARIA in
 * HTML does not list for textarea; axe reports that as the best-practice rule
 * `aria-allowed-role` (impact minor). Every other rule runs.
 */
export const AXE_OPTIONS = { ignoredRules: ['aria-allowed-role'] };
