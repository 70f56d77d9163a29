import { enterRoom, pageParams } from '../common/example-page.js';

const { user, roomId, server } = pageParams('lobby');
// Rooms this user has entered from this browser: shown at once on later
// visits, even offline, from the device cache and the outbox.
const enteredKey = `parley-script-tag:entered:${server}:${user}:${roomId}`;

const status = document.getElementById('status');
const session = document.querySelector('parley-session');
const chat = document.querySelector('chat-room');
document.title = `${user} in ${roomId} — Parley`;

session.setAttribute('server', server);
session.setAttribute('user', user);
await customElements.whenDefined('parley-session');
await session.updateComplete;
const client = session.activeClient;

const entered = localStorage.getItem(enteredKey) === '1';
if (entered) chat.setAttribute('room', roomId);
else status.textContent = `Joining ${roomId}…`;
try {
  await client.whenOnline();
  await enterRoom(client, roomId);
  localStorage.setItem(enteredKey, '1');
  status.textContent = '';
  chat.setAttribute('room', roomId);
} catch (error) {
  status.textContent = `Could not join ${roomId}: ${error.message}`;
}
