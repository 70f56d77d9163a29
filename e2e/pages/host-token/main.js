import { enterRoom, pageParams } from '/common/example-page.js';

const { user, roomId, server } = pageParams('lobby');
const status = document.getElementById('status');
const session = document.querySelector('parley-session');
const chat = document.querySelector('chat-room');
document.title = `${user} in ${roomId} — Parley`;

// The host's backend knows who is signed in and mints a token for them.
session.token = async () => {
  const response = await fetch(`/host/parley-token?user=${encodeURIComponent(user)}`);
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
  return response.text();
};
session.setAttribute('server', server);
session.setAttribute('user', user);
await customElements.whenDefined('parley-session');
await session.updateComplete;
const client = session.activeClient;

status.textContent = `Joining ${roomId}…`;
try {
  await client.whenOnline();
  await enterRoom(client, roomId);
  status.textContent = '';
  chat.setAttribute('room', roomId);
} catch (error) {
  status.textContent = `Could not join ${roomId}: ${error.message}`;
}
