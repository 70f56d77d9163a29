// Signs the user in with a dev token, enters the room (creating it on first
// use) and points both elements at it. Rooms entered before from this
// browser open at once, even offline: the chat from the device cache, the
// document from its IndexedDB copy.
import { enterRoom, pageParams } from '../common/example-page.js';

const { user, roomId, server } = pageParams('plans');
const enteredKey = `parley-workspace:entered:${server}:${user}:${roomId}`;

const status = document.getElementById('status');
const session = document.querySelector('parley-session');
const editor = document.querySelector('workspace-editor');
const chat = document.querySelector('chat-room');
document.title = `${user} in ${roomId} — Parley workspace`;

function show(room) {
  editor.setAttribute('room', room);
  chat.setAttribute('room', room);
}

session.setAttribute('server', server);
session.setAttribute('user', user);
await customElements.whenDefined('parley-session');
await session.updateComplete;
const client = session.activeClient;

if (localStorage.getItem(enteredKey) === '1') show(roomId);
else status.textContent = `Joining ${roomId}…`;
try {
  await client.whenOnline();
  await enterRoom(client, roomId);
  localStorage.setItem(enteredKey, '1');
  status.textContent = '';
  show(roomId);
} catch (error) {
  status.textContent = `Could not join ${roomId}: ${error.message}`;
}
