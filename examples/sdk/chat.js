// A plain page on the SDK alone: one user (dev token) in one public room.
// Everything the user typed is rendered with textContent, never as HTML.
import { createClient, fetchDevToken, shallowEqual, ErrorCode } from '/parley-sdk.js';

const params = new URLSearchParams(location.search);
const user = (params.get('user') || 'guest').trim();
const roomId = (params.get('room') || 'lobby').trim().toLowerCase();
const tokenKey = `parley-demo-token:${user}`;

const $ = (id) => document.getElementById(id);
$('who').textContent = user;
$('room').textContent = roomId;

/** Dev token from the server; the last one is kept so an offline reload still opens this user's cache. */
async function token() {
  try {
    const fresh = await fetchDevToken(location.origin, user, user);
    localStorage.setItem(tokenKey, fresh);
    return fresh;
  } catch (error) {
    const cached = localStorage.getItem(tokenKey);
    if (cached) return cached;
    throw error;
  }
}

const client = createClient({ url: location.origin, token, userId: user });
const room = client.room(roomId);

/** Joins the room, creating it on first use (two tabs may race to create it). */
async function enterRoom() {
  try {
    await client.joinRoom(roomId);
  } catch (error) {
    if (error.code !== ErrorCode.NotFound) throw error;
    try {
      await client.createRoom({ room: roomId, kind: 'public', name: roomId });
    } catch (again) {
      if (again.code !== ErrorCode.Conflict) throw again;
      await client.joinRoom(roomId);
    }
  }
}

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

function renderMessages(state) {
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const items = (state?.messages ?? []).filter((m) => !m.parentId);
  list.replaceChildren(
    ...items.map((m) => {
      const li = document.createElement('li');
      li.dataset.status = m.status;
      if (m.kind === 'system') {
        li.className = 'system';
        li.textContent = `${m.system?.actor ?? ''} ${m.system?.event ?? ''}${m.system?.target ? ` ${m.system.target}` : ''}`;
        return li;
      }
      const who = document.createElement('strong');
      who.textContent = `${m.sender}: `;
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = m.deletedAt ? '(deleted)' : m.text;
      const meta = document.createElement('span');
      meta.className = 'meta';
      // Delivery state matters for one's own messages only.
      const status = m.sender === user ? ` · ${m.status}` : '';
      meta.textContent = `${time.format(m.createdAt)}${status}${m.editedAt ? ' · edited' : ''}`;
      li.append(who, text, meta);
      if (m.status === 'failed') {
        const retry = document.createElement('button');
        retry.type = 'button';
        retry.textContent = 'Retry';
        retry.addEventListener('click', () => room.retry(m.clientId));
        li.append(' ', retry);
      }
      return li;
    }),
  );
  if (atBottom) list.scrollTop = list.scrollHeight;
  if (document.visibilityState === 'visible') room.markRead();
}

function renderStatus(s) {
  const pending = s.pending ? ` · ${s.pending} pending` : '';
  const failed = s.failed ? ` · ${s.failed} failed` : '';
  $('status').textContent = `${s.connection}${pending}${failed}`;
}

client.store.subscribe((s) => s.rooms[roomId], renderMessages);
client.store.subscribe((s) => s.rooms[roomId]?.typing, (typing) => {
  const others = (typing ?? []).filter((u) => u !== user);
  $('typing').textContent = others.length ? `${others.join(', ')} typing…` : '';
});
client.store.subscribe((s) => [s.connection, s.pending, s.failed], () => renderStatus(client.state), shallowEqual);
client.on('error', (error) => console.warn('parley:', error.code, error.message));

$('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('text').value.trim();
  if (!text) return;
  $('text').value = '';
  room.send(text).catch((error) => console.warn('send failed:', error.code, error.message));
});
$('text').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $('composer').requestSubmit();
  }
});
$('text').addEventListener('input', () => room.setTyping($('text').value.length > 0));

await client.connect();
renderMessages(client.state.rooms[roomId]);
renderStatus(client.state);
// History loads on demand: the newest page once in the room, older pages when scrolled to the top.
$('messages').addEventListener('scroll', () => {
  if ($('messages').scrollTop === 0 && room.state?.hasOlder) void room.loadOlder();
});
client
  .whenOnline()
  .then(enterRoom)
  .then(() => room.loadOlder())
  .catch((error) => {
    $('status').textContent = `error: ${error.message}`;
  });
