/**
 * `<room-list>` in each of its states, rendered by the real SDK from a
 * recorded device cache (see `record.ts`).
 */
import { html } from 'lit';
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { recordedClient } from './support/recorded-client.js';
import { rooms, offline, noRooms } from './support/recordings.js';
import type { Recording } from './support/recorded-client.js';

interface Args {
  recording: Recording;
  selected?: string;
  theme?: 'light' | 'dark';
  noActions?: boolean;
  connect?: boolean;
  style?: string;
}

const meta: Meta<Args> = {
  title: 'Elements/room-list',
  component: 'room-list',
  argTypes: { recording: { control: false } },
  render: ({ recording, selected, theme, noActions, connect, style }) =>
    html`<room-list
      selected=${selected ?? ''}
      theme=${theme ?? 'light'}
      ?no-actions=${noActions ?? false}
      style=${'display:block;max-width:340px;' + (style ?? '')}
      .client=${recordedClient(recording, { connect })}
    ></room-list>`,
};
export default meta;

type Story = StoryObj<Args>;

/** Ada's rooms, newest activity first, with unread badges and a direct chat. */
export const Rooms: Story = { args: { recording: rooms, selected: 'design' } };

/** A user who has no rooms yet. */
export const Empty: Story = { args: { recording: noRooms } };

/** Before the device cache has loaded. */
export const Loading: Story = { args: { recording: rooms, connect: false } };

/** Offline with messages waiting to be sent. */
export const Offline: Story = { args: { recording: offline, selected: 'design' } };

/** Without the "New room" and "Browse public rooms" actions. */
export const NoActions: Story = { args: { recording: rooms, noActions: true } };

/** The built-in dark theme. */
export const DarkTheme: Story = {
  args: { recording: rooms, selected: 'design', theme: 'dark' },
  parameters: { backgrounds: { default: 'dark' } },
};

/** The host page restyles the list through tokens and the list's own properties. */
export const RestyledHost: Story = {
  args: {
    recording: rooms,
    selected: 'standup',
    style: [
      '--parley-color-accent:#7c3aed',
      '--parley-color-accent-contrast:#ffffff',
      '--parley-radius:14px',
      '--parley-font-family:Georgia, serif',
      '--room-list-selected-bg:#ede9fe',
    ].join(';'),
  },
};
