// A third party's web app that embeds Parley, the way the README tells one to.
// It runs from a fresh directory where the Parley packages were installed from
// their tarballs, and imports only what that directory has. It serves its own
// pages (`pages/<name>.html`, `/` being `index`) on its own origin, signs users
// in with a cookie (`/login?user=ada`), and its backend:
//   - mints Parley tokens for the signed-in user at /my-app/parley-token (jose, HS256);
//   - makes the user a member of the public room ROOM the first time, with the
//     SDK in Node and the user's own token (joining it, creating it if need be).
// Environment: PORT, PARLEY_URL, PARLEY_JWT_SECRET, ROOM.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createClient } from '@parley/sdk';
import { SignJWT } from 'jose';
import { WebSocket } from 'ws';

const { PORT, PARLEY_URL, PARLEY_JWT_SECRET, ROOM } = process.env;
if (!PORT || !PARLEY_URL || !PARLEY_JWT_SECRET || !ROOM) throw new Error('PORT, PARLEY_URL, PARLEY_JWT_SECRET and ROOM are required');
const secret = new TextEncoder().encode(PARLEY_JWT_SECRET);

/** @param {string} user */
function parleyToken(user) {
  return new SignJWT({ name: user.charAt(0).toUpperCase() + user.slice(1) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(secret);
}

/**
 * Joins `user` to the public room, creating it on first use.
 * @param {string} user
 */
async function enterRoom(user) {
  const client = createClient({ url: PARLEY_URL, token: () => parleyToken(user), WebSocket, offline: 'memory' });
  try {
    await client.connect();
    await client.whenOnline();
    try {
      await client.joinRoom(ROOM);
    } catch (error) {
      if (error.code === 'not_found') await client.createRoom({ kind: 'public', room: ROOM, name: ROOM });
      else if (error.code !== 'conflict') throw error; // conflict: a member already
    }
  } finally {
    await client.dispose();
  }
}

/** Users made members so far. @type {Map<string, Promise<void>>} */
const entered = new Map();

/** @param {import('node:http').IncomingMessage} req */
function signedInUser(req) {
  return /(?:^|;\s*)user=([a-z0-9-]+)/.exec(req.headers.cookie ?? '')?.[1] ?? null;
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://host-app');
  const answer = async () => {
    if (url.pathname === '/login') {
      const user = (url.searchParams.get('user') ?? '').toLowerCase();
      if (!/^[a-z0-9-]+$/.test(user)) return res.writeHead(400).end('bad user');
      return res.writeHead(302, { 'Set-Cookie': `user=${user}; Path=/; HttpOnly; SameSite=Lax`, Location: '/' }).end();
    }
    if (url.pathname === '/my-app/parley-token') {
      const user = signedInUser(req);
      if (!user) return res.writeHead(401).end('sign in first');
      if (!entered.has(user)) entered.set(user, enterRoom(user).catch((error) => (entered.delete(user), Promise.reject(error))));
      await entered.get(user);
      return res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' }).end(await parleyToken(user));
    }
    const name = url.pathname === '/' ? 'index' : url.pathname.slice(1);
    if (!/^[a-z0-9-]+$/.test(name)) return res.writeHead(404).end();
    const page = await readFile(new URL(`pages/${name}.html`, import.meta.url)).catch(() => null);
    if (!page) return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(page);
  };
  answer().catch((error) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}).listen(Number(PORT), '127.0.0.1', () => console.log(`host app listening on http://127.0.0.1:${PORT}`));
