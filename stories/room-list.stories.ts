/**
 * `<room-list>` in each of its states, rendered by the real SDK from a
 * recorded device cache (see `record.ts`).
 */
import { html } from 'lit';
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { recordedClient } from './support/recorded-client.js';
import { rooms, noRooms } from './support/recordings.js';
import type { RecordedClientOptions, Recording } from './support/recorded-client.js';
import { isDark, shadowQuery, shows, textOf } from './support/shows.js';

interface Args {
  recording: Recording;
  selected?: string;
  theme?: 'light' | 'dark';
  noActions?: boolean;
  network?: RecordedClientOptions['network'];
  /** Reconnect delays (the unreachable story retries at once). */
  reconnect?: RecordedClientOptions['reconnect'];
  style?: string;
}

const meta: Meta<Args> = {
  title: 'Elements/room-list',
  component: 'room-list',
  argTypes: { recording: { control: false } },
  render: ({ recording, selected, theme, noActions, network, reconnect, style }) =>
    html`<room-list
      selected=${selected ?? ''}
      theme=${theme ?? 'light'}
      ?no-actions=${noActions ?? false}
      style=${'display:block;max-width:340px;' + (style ?? '')}
      .client=${recordedClient(recording, { network, ...(reconnect ? { reconnect } : {}) })}
    ></room-list>`,
};
export default meta;

type Story = StoryObj<Args>;

const TAG = 'room-list';

/** The names of the listed rooms, in order. */
function roomNames(root: ShadowRoot): string[] {
  return [...root.querySelectorAll('[part~="room"]')].map((room) => textOf(room.querySelector('[part~="room-name"]')));
}

/** Ada's rooms, newest activity first, with unread badges and a direct chat. */
export const Rooms: Story = {
  args: { recording: rooms, selected: 'design' },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'five rooms with "Design review" selected and unread badges', (root) => {
      const selected = root.querySelector('[part~="room"][aria-selected="true"]');
      return (
        roomNames(root).length === 5 &&
        textOf(selected?.querySelector('[part~="room-name"]')) === 'Design review' &&
        root.querySelectorAll('[part~="badge"]').length >= 2
      );
    }),
};

/** A user who has no rooms yet. */
export const Empty: Story = {
  args: { recording: noRooms },
  play: ({ canvasElement }) => shows(canvasElement, TAG, 'the "no rooms" note', (root) => textOf(root).includes('No rooms yet')),
};

/** The first visit on a slow network: nothing cached yet and the server has not answered. */
export const Loading: Story = {
  args: { recording: noRooms, network: 'first-visit' },
  play: ({ canvasElement }) => shows(canvasElement, TAG, 'the loading note', (root) => textOf(root).includes('Loading rooms')),
};

/** The "New room" form open under the list. */
export const CreatingARoom: Story = {
  args: { recording: rooms, selected: 'design' },
  play: async ({ canvasElement }) => {
    const button = await shadowQuery(canvasElement, TAG, '[aria-controls="create-panel"]');
    button.click();
    await shows(canvasElement, TAG, 'the create form', (root) => root.querySelector('#create-panel input') !== null);
  },
};

/** Without the "New room" and "Browse public rooms" actions. */
export const NoActions: Story = {
  args: { recording: rooms, noActions: true },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'rooms and no action buttons', (root) => roomNames(root).length === 5 && root.querySelector('[part~="actions"]') === null),
};

/** The built-in dark theme. */
export const DarkTheme: Story = {
  args: { recording: rooms, selected: 'design', theme: 'dark' },
  parameters: { backgrounds: { default: 'dark' } },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'a dark background', (root) => {
      const base = root.querySelector('[part~="base"]');
      return base !== null && isDark(getComputedStyle(base).backgroundColor);
    }),
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
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, "the host's lilac selection", (root) => {
      const selected = root.querySelector('[part~="room"][aria-selected="true"]');
      return selected !== null && getComputedStyle(selected).backgroundColor === 'rgb(237, 233, 254)';
    }),
};

/** The server cannot be reached (wrong address, server down): the cached rooms stay listed, and the list says why nothing updates. */
export const ServerUnreachable: Story = {
  args: { recording: rooms, reconnect: { baseMs: 1, capMs: 60_000 } },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'the cached rooms and the unreachable server', (root) => {
      const error = root.querySelector<HTMLElement>('[part~="error"]');
      return root.querySelectorAll('[part~="room"]').length === 5 && error?.dataset.code === 'unreachable' && textOf(error).includes('Cannot reach the chat server');
    }),
};
