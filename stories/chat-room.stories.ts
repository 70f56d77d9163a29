/**
 * `<chat-room>` in each of its states, rendered by the real SDK from
 * conversations recorded against the real server (see `record.ts`); the
 * failure stories put a stand-in server in front of it that refuses the way
 * the reference server does (`support/refusing-websocket.ts`).
 */
import { html } from 'lit';
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { recordedClient } from './support/recorded-client.js';
import { rooms, offline, failedSend, noRooms } from './support/recordings.js';
import type { RecordedClientOptions, Recording } from './support/recorded-client.js';
import { refusingRequestsWebSocket, refusingWebSocket, SilentWebSocket } from './support/refusing-websocket.js';
import { isDark, shadowQuery, shows, textOf } from './support/shows.js';

interface Args {
  recording: Recording;
  room: string;
  theme?: 'light' | 'dark';
  network?: RecordedClientOptions['network'];
  /** The failure stories' stand-in server, token and reconnect delays. */
  failing?: Omit<RecordedClientOptions, 'network'>;
  style?: string;
}

const frame = 'display:block;height:560px;max-width:760px;';

const meta: Meta<Args> = {
  title: 'Elements/chat-room',
  component: 'chat-room',
  argTypes: { recording: { control: false } },
  render: ({ recording, room, theme, network, failing, style }) =>
    html`<chat-room
      room=${room}
      theme=${theme ?? 'light'}
      style=${frame + (style ?? '')}
      .client=${recordedClient(recording, { network, ...failing })}
    ></chat-room>`,
};
export default meta;

type Story = StoryObj<Args>;

const TAG = 'chat-room';
/** User messages (not system lines) in the main log. */
const USER_MESSAGES = '[part~="messages"] [part~="message"]:not([part~="system-message"])';

/** A room nobody has written in yet: only the "created" line and the start of the conversation. */
export const Empty: Story = {
  args: { recording: rooms, room: 'quiet' },
  play: ({ canvasElement }) =>
    shows(
      canvasElement,
      TAG,
      'the start of an empty conversation',
      (root) => textOf(root).includes('This is the beginning of the conversation.') && root.querySelectorAll(USER_MESSAGES).length === 0,
    ),
};

/** The first visit on a slow network: nothing cached yet and the server has not answered. */
export const Loading: Story = {
  args: { recording: noRooms, room: 'design', network: 'first-visit' },
  play: ({ canvasElement }) => shows(canvasElement, TAG, 'the loading note', (root) => textOf(root).includes('Loading messages')),
};

/** 200 cached messages of a busy room, opened at the first unread one; older ones stay on the server. */
export const LongHistory: Story = {
  args: { recording: rooms, room: 'standup' },
  play: ({ canvasElement }) =>
    shows(
      canvasElement,
      TAG,
      'a long history opened at the "New messages" divider',
      (root) => root.querySelectorAll(USER_MESSAGES).length >= 100 && root.querySelector('[part~="unread-marker"]') !== null,
    ),
};

/** The thread panel open beside the room. */
export const ThreadOpen: Story = {
  args: { recording: rooms, room: 'design' },
  play: async ({ canvasElement }) => {
    (await shadowQuery(canvasElement, TAG, '[part~="thread-link"]')).click();
    await shows(canvasElement, TAG, 'the thread with its three replies', (root) => {
      const thread = textOf(root.querySelector('[part~="thread"]'));
      return thread.includes('I can prototype both by Thursday.') && thread.includes('collapsible section');
    });
  },
};

/** Offline, with two messages waiting in the outbox. */
export const OfflineWithPending: Story = {
  args: { recording: offline, room: 'design' },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'the offline banner with 2 waiting changes and the queued messages', (root) => {
      const banner = textOf(root.querySelector('[part~="banner"]'));
      return banner.includes('You are offline') && banner.includes('2 changes') && textOf(root).includes('drop the mascot');
    }),
};

/** A message the server refused (the user is muted), with retry and discard. */
export const FailedSend: Story = {
  args: { recording: failedSend, room: 'launch' },
  play: ({ canvasElement }) =>
    shows(
      canvasElement,
      TAG,
      'the refused message with its reason and a retry button',
      (root) => textOf(root.querySelector('[part~="error"]')).includes('muted') && root.querySelector('[part~="retry"]') !== null,
    ),
};

/** A conversation whose last decision drew many different reactions (also replies, an edit and a deleted message). */
export const ManyReactions: Story = {
  args: { recording: rooms, room: 'design' },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'ten different reactions', (root) => root.querySelectorAll('[part~="reaction"]').length >= 10),
};

/** The built-in dark theme. */
export const DarkTheme: Story = {
  args: { recording: rooms, room: 'design', theme: 'dark' },
  parameters: { backgrounds: { default: 'dark' } },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'a dark background', (root) => {
      const base = root.querySelector('[part~="base"]');
      return base !== null && isDark(getComputedStyle(base).backgroundColor);
    }),
};

/** The host page restyles the element through its design tokens and parts. */
export const RestyledHost: Story = {
  args: {
    recording: rooms,
    room: 'design',
    style: [
      '--parley-color-accent:#0f766e',
      '--parley-color-accent-contrast:#ffffff',
      '--parley-color-surface:#f0fdfa',
      '--parley-color-border:#99f6e4',
      '--parley-radius:16px',
      '--parley-font-family:Georgia, serif',
      '--parley-chat-room-own-bg:#ccfbf1',
    ].join(';'),
  },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'the host\'s teal accent on the send button', (root) => {
      const send = root.querySelector('[part~="send"]');
      return send !== null && getComputedStyle(send).backgroundColor === 'rgb(15, 118, 110)';
    }),
};

// ---- failures: each shows its own sentence (the banner's `data-code` is the SDK's code) ----

/** A token the stand-in servers never read. */
const TOKEN = 'story-token';

/** A story of the failure `code`: the banner says `sentence`, and the composer is disabled when `blocked`. */
function failure(args: Args, code: string, sentence: string, blocked = false): Story {
  return {
    args,
    play: ({ canvasElement }) =>
      shows(canvasElement, TAG, `the ${code} banner${blocked ? ' and a disabled composer' : ''}`, (root) => {
        const banner = root.querySelector<HTMLElement>('[part~="banner"]');
        const input = root.querySelector<HTMLTextAreaElement>('[part="input"]');
        return banner?.dataset.code === code && textOf(banner).includes(sentence) && input?.disabled === blocked;
      }),
  };
}

/** A wrong server address or a server that is down: several attempts in a row failed; the two queued changes wait. */
export const ServerUnreachable = failure(
  { recording: offline, room: 'design', failing: { reconnect: { baseMs: 1, capMs: 60_000 } } },
  'unreachable',
  'Cannot reach the chat server. Retrying… 2 changes are waiting to be sent.',
);

/** The server could not verify the token (wrong secret, issuer or audience): close 4001. */
export const TokenRejected = failure(
  { recording: rooms, room: 'design', failing: { server: refusingWebSocket(4001, { code: 'auth_failed' }), token: TOKEN } },
  'auth_failed',
  'The chat server did not accept your sign-in.',
);

/** A fixed token that has expired: close 4004 (a token function would be asked for a fresh one). */
export const TokenExpired = failure(
  { recording: rooms, room: 'design', failing: { server: refusingWebSocket(4004, { code: 'token_expired' }), token: TOKEN } },
  'token_expired',
  'Your sign-in has expired.',
);

/** The page's token function fails (its own backend is down); the client keeps asking. */
export const TokenUnavailable = failure(
  { recording: rooms, room: 'design', failing: { server: SilentWebSocket } },
  'token_unavailable',
  'Could not sign in to the chat. Retrying…',
);

/** The page's origin is not on the server's allow-list: close 4003 right after the upgrade. */
export const OriginRefused = failure(
  { recording: rooms, room: 'design', failing: { server: refusingWebSocket(4003, { code: 'origin_forbidden' }, 'open'), token: TOKEN } },
  'origin_forbidden',
  'This site may not use the chat server.',
);

/** The host ended the user's sessions (close 4001, `session_revoked`). */
export const SessionRevoked = failure(
  { recording: rooms, room: 'design', failing: { server: refusingWebSocket(4001, { code: 'session_revoked' }), token: TOKEN } },
  'session_revoked',
  'You were signed out of the chat.',
);

/** The server sheds load and asks to come back later (close 4013). */
export const ServerBusy = failure(
  {
    recording: rooms,
    room: 'design',
    failing: { server: refusingWebSocket(4013, { code: 'unavailable', retryAfterMs: 600_000 }), token: TOKEN },
  },
  'unavailable',
  'The chat server is busy. Retrying…',
);

/** The client kept sending too much (close 4029). */
export const RateLimited = failure(
  {
    recording: rooms,
    room: 'design',
    failing: { server: refusingWebSocket(4029, { code: 'rate_limited', retryAfterMs: 600_000 }), token: TOKEN },
  },
  'rate_limited',
  'Too many actions at once. Slowing down…',
);

/** A public room the user has not joined: the composer is disabled. */
export const NotAMember = failure(
  {
    recording: noRooms,
    room: 'town-square',
    failing: {
      server: refusingRequestsWebSocket({ id: noRooms.user, name: noRooms.userName }, 'not_member', 'you are not a member of this room'),
      token: TOKEN,
    },
  },
  'not_member',
  'You are not a member of this room.',
  true,
);

/** A room id that does not exist (or that the user may not see): the composer is disabled. */
export const NoSuchRoom = failure(
  {
    recording: noRooms,
    room: 'nowhere',
    failing: { server: refusingRequestsWebSocket({ id: noRooms.user, name: noRooms.userName }, 'not_found', 'no such room'), token: TOKEN },
  },
  'not_found',
  'This room does not exist.',
  true,
);
