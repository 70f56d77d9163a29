#!/usr/bin/env node
/**
 * `npm run cluster`: three Parley nodes on consecutive ports against the local
 * PostgreSQL and Redis, behind a small round-robin TCP entry point, so a
 * cluster can be tried with one command. Not a production load balancer: see
 * docs/scaling.md for how a real deployment spreads connections.
 *
 * Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/parley,
 * created when missing), REDIS_URL (default redis://127.0.0.1:6379), PORT (the
 * entry point, default 8787; nodes take the next three), NODES (default 3).
 */
import { spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const entryPort = Number(process.env.PORT ?? 8787);
const count = Number(process.env.NODES ?? 3);
const ports = Array.from({ length: count }, (_, i) => entryPort + 1 + i);

/** Creates the database named in DATABASE_URL when it does not exist yet. */
async function ensureDatabase() {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return;
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${name}`);
      console.log(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

/** Starts one node; resolves once it listens. */
function startNode(port) {
  const args = [
    join(root, 'packages/server-adapter/dist/cli.js'),
    '--dev',
    '--port', String(port),
    // One data directory for all: the dev token secret and attachment bytes are shared.
    '--data-dir', join(root, '.parley-cluster'),
    '--serve', join(root, 'examples'),
    '--serve', `/examples=${join(root, 'examples')}`,
    // The browser bundles (/parley.js, /parley-sdk.js) are served by default.
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      if (out.includes('Parley server listening on')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`node on port ${port} exited with ${code}: ${out}`)));
  });
}

/** Round-robin TCP entry point; a node that refuses the connection is skipped. */
function startEntry() {
  let next = 0;
  const server = createServer((socket) => {
    socket.pause();
    const tryNode = (attempt) => {
      if (attempt >= ports.length) return socket.destroy();
      const port = ports[next++ % ports.length];
      const upstream = createConnection({ host: '127.0.0.1', port });
      upstream.once('connect', () => {
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
        socket.pipe(upstream).pipe(socket);
        socket.resume();
      });
      upstream.once('error', () => tryNode(attempt + 1));
    };
    tryNode(0);
  });
  return new Promise((resolve) => server.listen(entryPort, '127.0.0.1', () => resolve(server)));
}

await ensureDatabase();
const children = [];
// The first node migrates the schema and writes the dev secret; the others then share both.
children.push(await startNode(ports[0]));
children.push(...(await Promise.all(ports.slice(1).map(startNode))));
const entry = await startEntry();
console.log(`Parley cluster: http://127.0.0.1:${entryPort} (round-robin over nodes on ports ${ports.join(', ')})`);
console.log(`Storage ${databaseUrl}, bus ${redisUrl}. Ctrl-C stops everything.`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  entry.close();
  for (const child of children) child.kill('SIGTERM');
  Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve)))).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) child.once('exit', () => !stopping && (console.error('a node stopped; stopping the cluster'), stop()));
