import { createClient, ErrorCode, fetchDevToken } from '/parley.js';

const params = new URLSearchParams(location.search);
const user = params.get('user') || 'ada';
const name = user[0].toUpperCase() + user.slice(1);
document.querySelector('#who').textContent = name;

// The page owns the client and hands it to the session. Dev server only:
// it mints a token for any name; a real site asks its own backend.
const client = createClient({ url: location.origin, userId: user, token: () => fetchDevToken(location.origin, user, name) });
document.querySelector('#session').client = client;

const rooms = document.querySelector('#rooms');
const chat = document.querySelector('#chat');
rooms.addEventListener('parley-room-select', (event) => {
  chat.room = event.room;
});

// The page's own dark mode: theme.css switches the tokens.
const mode = document.querySelector('#mode');
mode.addEventListener('click', () => {
  const dark = document.documentElement.dataset.parleyTheme !== 'dark';
  if (dark) document.documentElement.dataset.parleyTheme = 'dark';
  else delete document.documentElement.dataset.parleyTheme;
  mode.setAttribute('aria-pressed', String(dark));
});

/** Joins the lounge, creating it on first use (two tabs may race to create it). */
async function enterLounge() {
  try {
    await client.joinRoom('tea-lounge');
  } catch (error) {
    if (error.code !== ErrorCode.NotFound) throw error;
    try {
      await client.createRoom({ room: 'tea-lounge', kind: 'public', name: 'Tea lounge', topic: 'Ask us anything' });
    } catch (again) {
      if (again.code !== ErrorCode.Conflict) throw again;
      await client.joinRoom('tea-lounge');
    }
  }
}

await client.connect();
await client.whenOnline();
await enterLounge();
