// Signs the user in with a dev token, enters the room (creating it on first
// use) and points both elements at it. Rooms entered before from this
// browser open at once, even offline: the chat from the device cache, the
// document from its IndexedDB copy.
const params = new URLSearchParams(location.search);
const user = (params.get('user') || 'guest').trim();
const roomId = (params.get('room') || 'plans').trim().toLowerCase();
const server = httpOrigin(params.get('server')) ?? location.origin;
const enteredKey = `parley-workspace:entered:${server}:${user}:${roomId}`;

const status = document.getElementById('status');
const session = document.querySelector('parley-session');
const editor = document.querySelector('workspace-editor');
const chat = document.querySelector('chat-room');
document.title = `${user} in ${roomId} — Parley workspace`;

/** The origin of an http(s) URL, or null. */
function httpOrigin(value) {
  try {
    const url = new URL(value ?? '');
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * Joins the room, creating it when it does not exist (two people may race to).
 * Any room holds a workspace document; a public one lets the second person in
 * without an invitation.
 */
async function enterRoom(client) {
  try {
    await client.joinRoom(roomId);
    return;
  } catch (error) {
    if (error.code === 'conflict') return; // already a member
    if (error.code !== 'not_found') throw error;
  }
  try {
    await client.createRoom({ room: roomId, kind: 'public', name: roomId });
  } catch (error) {
    if (error.code !== 'conflict') throw error;
    await client.joinRoom(roomId).catch((again) => {
      if (again.code !== 'conflict') throw again;
    });
  }
}

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
  await enterRoom(client);
  localStorage.setItem(enteredKey, '1');
  status.textContent = '';
  show(roomId);
} catch (error) {
  status.textContent = `Could not join ${roomId}: ${error.message}`;
}
