// The call example: `/call/?user=<name>&room=<room>` puts that user (dev
// token) into that room's call with <call-panel>. The room is public and
// created on first use, as in the script-tag chat example.
const params = new URLSearchParams(location.search);
const user = (params.get('user') || 'guest').trim();
const roomId = (params.get('room') || 'lobby').trim().toLowerCase();
const server = httpOrigin(params.get('server')) ?? location.origin;
// ?chat=1 opens the room's chat beside the call.
const withChat = params.get('chat') === '1';

const status = document.getElementById('status');
const session = document.querySelector('parley-session');
const panel = document.querySelector('call-panel');
document.title = `${user} in ${roomId} — Parley call`;

/** The origin of an http(s) URL, or null. */
function httpOrigin(value) {
  try {
    const url = new URL(value ?? '');
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/** Joins the public room, creating it when it does not exist (two people may race to). */
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

session.setAttribute('server', server);
session.setAttribute('user', user);
panel.chat = withChat;
await customElements.whenDefined('parley-session');
await session.updateComplete;
const client = session.activeClient;

status.textContent = `Joining ${roomId}…`;
try {
  await client.whenOnline();
  // ?member=0 (tests) skips joining the room: the panel then shows that only members may join the call.
  if (params.get('member') !== '0') await enterRoom(client);
  status.textContent = '';
} catch (error) {
  status.textContent = `Could not join ${roomId}: ${error.message}`;
}
panel.setAttribute('room', roomId);
