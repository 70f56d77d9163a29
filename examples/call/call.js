// The call example: `/call/?user=<name>&room=<room>` puts that user (dev
// token) into that room's call with <call-panel>. The room is public and
// created on first use, as in the script-tag chat example.
import { enterRoom, pageParams } from '../common/example-page.js';

const { params, user, roomId, server } = pageParams('lobby');
// ?chat=1 opens the room's chat beside the call.
const withChat = params.get('chat') === '1';

const status = document.getElementById('status');
const session = document.querySelector('parley-session');
const panel = document.querySelector('call-panel');
document.title = `${user} in ${roomId} — Parley call`;

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
  if (params.get('member') !== '0') await enterRoom(client, roomId);
  status.textContent = '';
} catch (error) {
  status.textContent = `Could not join ${roomId}: ${error.message}`;
}
panel.setAttribute('room', roomId);
