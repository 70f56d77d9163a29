/**
 * `<parley-session>` sharing one client between a `<room-list>` and a
 * `<chat-room>`: picking a room in the list shows it beside.
 */
import { html } from 'lit';
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import type { ParleyRoomSelectEvent } from '@parley/elements';
// Types of <room-list> in querySelector (the tag itself registers on first sight).
import type {} from '@parley/elements/room-list';
import { recordedClient } from './support/recorded-client.js';
import { rooms } from './support/recordings.js';
import { shows, textOf } from './support/shows.js';

const meta: Meta = {
  title: 'Elements/parley-session',
  component: 'parley-session',
};
export default meta;

/** The two elements side by side on one shared (offline) client. */
export const RoomListBesideRoom: StoryObj = {
  render: () => {
    const show = (event: ParleyRoomSelectEvent): void => {
      const host = (event.currentTarget as HTMLElement).closest('parley-session');
      const room = host?.querySelector('chat-room');
      const list = host?.querySelector('room-list');
      if (room) room.room = event.room;
      if (list) list.selected = event.room;
    };
    return html`<parley-session .client=${recordedClient(rooms)}>
      <div style="display:grid;grid-template-columns:280px 1fr;gap:1rem;height:560px;">
        <room-list selected="design" @parley-room-select=${show}></room-list>
        <chat-room room="design"></chat-room>
      </div>
    </parley-session>`;
  },
  play: async ({ canvasElement }) => {
    await shows(canvasElement, 'room-list', 'the rooms of the shared client', (root) => root.querySelectorAll('[part~="room"]').length === 5);
    await shows(canvasElement, 'chat-room', 'the selected room', (root) => textOf(root.querySelector('[part~="header"]')).includes('Design review'));
  },
};
