/**
 * `<chat-room>` in each of its states, rendered by the real SDK from
 * conversations recorded against the real server (see `record.ts`).
 */
import { html } from 'lit';
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { recordedClient } from './support/recorded-client.js';
import { rooms, offline, failedSend } from './support/recordings.js';
import type { Recording } from './support/recorded-client.js';

interface Args {
  recording: Recording;
  room: string;
  theme?: 'light' | 'dark';
  connect?: boolean;
  style?: string;
}

const frame = 'display:block;height:560px;max-width:760px;';

const meta: Meta<Args> = {
  title: 'Elements/chat-room',
  component: 'chat-room',
  argTypes: { recording: { control: false } },
  render: ({ recording, room, theme, connect, style }) =>
    html`<chat-room
      room=${room}
      theme=${theme ?? 'light'}
      style=${frame + (style ?? '')}
      .client=${recordedClient(recording, { connect })}
    ></chat-room>`,
};
export default meta;

type Story = StoryObj<Args>;

/** A room nobody has written in yet. */
export const Empty: Story = { args: { recording: rooms, room: 'quiet' } };

/** Before the device cache has loaded. */
export const Loading: Story = { args: { recording: rooms, room: 'design', connect: false } };

/** 200 cached messages of a busier room; older ones stay on the server. */
export const LongHistory: Story = { args: { recording: rooms, room: 'standup' } };

/** The thread panel open beside the room. */
export const ThreadOpen: Story = {
  args: { recording: rooms, room: 'design' },
  play: async ({ canvasElement }) => {
    const link = await shadowQuery(canvasElement, 'chat-room', '[part~="thread-link"]');
    link.click();
  },
};

/** Offline, with two messages waiting in the outbox. */
export const OfflineWithPending: Story = { args: { recording: offline, room: 'design' } };

/** A message the server refused (the user is muted), with retry and discard. */
export const FailedSend: Story = { args: { recording: failedSend, room: 'launch' } };

/** A conversation whose last decision drew many different reactions (also replies, an edit and a deleted message). */
export const ManyReactions: Story = { args: { recording: rooms, room: 'design' } };

/** The built-in dark theme. */
export const DarkTheme: Story = {
  args: { recording: rooms, room: 'design', theme: 'dark' },
  parameters: { backgrounds: { default: 'dark' } },
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
};

/** Waits (at most 5 s) for `selector` inside the shadow root of the first `tag` in `root`. */
async function shadowQuery(root: HTMLElement, tag: string, selector: string): Promise<HTMLElement> {
  for (let i = 0; i < 100; i++) {
    const found = root.querySelector(tag)?.shadowRoot?.querySelector<HTMLElement>(selector);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${selector} did not appear in <${tag}>`);
}
