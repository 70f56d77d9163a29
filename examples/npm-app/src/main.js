// A host app that uses @parley/elements as an npm dependency. rollup (see the
// repository's rollup.config.mjs) bundles this file into dist/app.js the way
// Vite or webpack would in a real app.
import '@parley/elements/define';
import { createClient, fetchDevToken } from '@parley/sdk';

const params = new URLSearchParams(location.search);
const user = params.get('user') || 'ada';
const server = location.origin;

const list = document.querySelector('room-list');
const chat = document.querySelector('chat-room');
const hint = document.querySelector('#hint');
const who = document.querySelector('#who');
who.textContent = user;

// Dev mode only: the reference server mints a token for any name. A real app
// fetches one from its own backend, which signs it with the shared secret.
const client = createClient({ url: server, token: () => fetchDevToken(server, user, user) });
list.client = client;
chat.client = client;

list.addEventListener('parley-room-select', (event) => {
  chat.room = event.room;
  chat.hidden = false;
  hint.hidden = true;
});

await client.connect();
