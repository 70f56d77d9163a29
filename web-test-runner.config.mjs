// Browser tests: headless Chromium (the machine's, never a downloaded one),
// TypeScript through esbuild, and real Parley servers the tests control with
// server commands. Run `npx tsc -b` first: the servers come from the built
// server-adapter (`npm test` builds before testing).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { devServerEsmDeps } from './scripts/esm-deps.mjs';
import { CALL_CHROMIUM_ARGS, CHROMIUM_ARGS, chromiumPath } from './test-support/chromium.mjs';
import { createThrowawayDatabase, reachable } from './test-support/services.mjs';

/**
 * Real Parley servers for browser tests: 127.0.0.1, port 0, SQLite in a temp
 * directory, dev auth. Each command takes an optional `{ name }`: tests that
 * stop and restart a server use their own name so test files running in
 * parallel never lose theirs. A named server is created on first use.
 *
 * Commands: `parley-server-url` → http base URL (`{ allowedOrigins }` on a
 * named server's first use replaces the default `*`), `parley-token`
 * `{ user, name? }` → token, `parley-signed-token` `{ user, name?,
 * expiresInSeconds?, secret? }` → a JWT signed here (negative for an expired
 * one; another secret for one the server cannot verify),
 * `parley-server-stop`, `parley-server-start` (same port, same data),
 * `parley-call-gauges` → the server's call gauges (`calls_active`, `call_transports`…),
 * `parley-call-kill-worker` → SIGKILLs the server's media workers, returns how many.
 */
function parleyServers() {
  /** @type {Map<string, { server: import('./packages/server-adapter/dist/index.js').ParleyServer | null, port: number, dataDir: string, allowedOrigins: string[] }>} */
  const servers = new Map();
  const secret = 'web-test-runner-secret-long-enough-for-hs256';

  async function start(entry) {
    const { createServer } = await import('./packages/server-adapter/dist/index.js');
    // Pages are served from the test runner's origin, not the server's.
    // Calls on one media worker, listening on 127.0.0.1 (the default).
    entry.server = createServer({
      dataDir: entry.dataDir,
      logger: false,
      auth: { dev: true, secret },
      invitations: 'direct',
      allowedOrigins: entry.allowedOrigins,
      calls: { workers: 1 },
    });
    ({ port: entry.port } = await entry.server.listen(entry.port, '127.0.0.1'));
  }

  async function get(name = 'default', allowedOrigins = ['*']) {
    let entry = servers.get(name);
    if (!entry) {
      entry = { server: null, port: 0, dataDir: await mkdtemp(join(tmpdir(), 'parley-wtr-')), allowedOrigins };
      servers.set(name, entry);
      await start(entry);
    }
    return entry;
  }

  return {
    name: 'parley-servers',
    async serverStop() {
      for (const entry of servers.values()) {
        await entry.server?.close();
        await rm(entry.dataDir, { recursive: true, force: true });
      }
      servers.clear();
    },
    async executeCommand({ command, payload }) {
      const args = payload ?? {};
      switch (command) {
        case 'parley-server-url':
          return `http://127.0.0.1:${(await get(args.name, args.allowedOrigins)).port}`;
        case 'parley-signed-token': {
          const { SignJWT } = await import('jose');
          const now = Math.floor(Date.now() / 1000);
          const expires = now + (args.expiresInSeconds ?? 600);
          return new SignJWT({ name: args.name ?? args.user })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject(args.user)
            .setIssuedAt(Math.min(now, expires - 60))
            .setExpirationTime(expires)
            .sign(new TextEncoder().encode(args.secret ?? secret));
        }
        case 'parley-token': {
          const entry = await get(args.name);
          const response = await fetch(`http://127.0.0.1:${entry.port}/v1/dev/token`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ user: args.user, name: args.userName ?? args.user }),
          });
          if (!response.ok) throw new Error(`dev token: HTTP ${response.status}`);
          return (await response.json()).token;
        }
        case 'parley-call-gauges': {
          // The server's call gauges from /metrics (live mediasoup objects), by name without `parley_`.
          const text = await (await fetch(`http://127.0.0.1:${(await get(args.name)).port}/metrics`)).text();
          const gauges = {};
          for (const [, name, value] of text.matchAll(/^parley_(calls?_[a-z_]+) (\d+(?:\.\d+)?)$/gm)) gauges[name] = Number(value);
          return gauges;
        }
        case 'parley-call-kill-worker': {
          // SIGKILLs the named server's mediasoup workers (their pids are labels in /metrics).
          const text = await (await fetch(`http://127.0.0.1:${(await get(args.name)).port}/metrics`)).text();
          const pids = [...text.matchAll(/^parley_call_worker_calls\{pid="(\d+)"\}/gm)].map((m) => Number(m[1]));
          for (const pid of pids) process.kill(pid, 'SIGKILL');
          return pids.length;
        }
        case 'parley-server-stop': {
          const entry = await get(args.name);
          const server = entry.server;
          entry.server = null;
          await server?.close();
          return true;
        }
        case 'parley-server-start': {
          const entry = await get(args.name);
          if (!entry.server) await start(entry);
          return true;
        }
        default:
          return undefined;
      }
    },
  };
}

/**
 * Longest a command waits for the cluster's start-up before it answers
 * `starting`: the browser gives up on a server command after 20 s, and two
 * nodes with a fresh database may take longer than that on a busy machine.
 */
const CLUSTER_COMMAND_WAIT_MS = 10_000;

/**
 * Two Parley nodes sharing a fresh PostgreSQL database (dropped at the end)
 * and Redis (a random prefix), for calls across nodes, started on the first
 * command. Commands: `parley-cluster-status` → `starting` (ask again),
 * `ready`, or `unavailable` when PostgreSQL or Redis cannot be reached (the
 * test skips; in CI that fails); once ready, `parley-cluster-url` `{ node }`
 * → http base URL of node 0 or 1, `parley-cluster-token` `{ user }`,
 * `parley-cluster-gauges` `{ node }`.
 */
function parleyCluster() {
  const secret = 'web-test-runner-cluster-secret-long-enough';
  const adminUrl = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  /** @type {Promise<{ servers: import('./packages/server-adapter/dist/index.js').ParleyServer[], ports: number[], dirs: string[], drop: () => Promise<void> } | null> | null} */
  let cluster = null;

  async function start() {
    if (!(await reachable(adminUrl, 5432)) || !(await reachable(redisUrl, 6379))) {
      if (process.env.CI === 'true') throw new Error('PostgreSQL and Redis are required in CI');
      return null;
    }
    const database = await createThrowawayDatabase(adminUrl, 'parley_wtr_');
    const { createServer } = await import('./packages/server-adapter/dist/index.js');
    const redisPrefix = `wtr-${randomBytes(4).toString('hex')}:`;
    const servers = [];
    const ports = [];
    const dirs = [];
    // One after the other: the first migrates the schema.
    for (let i = 0; i < 2; i++) {
      const dataDir = await mkdtemp(join(tmpdir(), 'parley-wtr-cluster-'));
      dirs.push(dataDir);
      const server = createServer({
        dataDir,
        logger: false,
        auth: { dev: true, secret },
        invitations: 'direct',
        allowedOrigins: ['*'],
        calls: { workers: 1 },
        databaseUrl: database.url,
        redisUrl,
        redisPrefix,
      });
      servers.push(server);
      ports.push((await server.listen(0, '127.0.0.1')).port);
    }
    return { servers, ports, dirs, drop: database.drop };
  }

  return {
    name: 'parley-cluster',
    async serverStop() {
      const running = await cluster?.catch(() => null);
      cluster = null;
      if (!running) return;
      for (const server of running.servers) await server.close();
      for (const dir of running.dirs) await rm(dir, { recursive: true, force: true });
      await running.drop();
    },
    async executeCommand({ command, payload }) {
      if (!command.startsWith('parley-cluster-')) return undefined;
      cluster ??= start();
      if (command === 'parley-cluster-status') {
        let timer;
        const starting = new Promise((resolve) => (timer = setTimeout(() => resolve('starting'), CLUSTER_COMMAND_WAIT_MS)));
        const started = cluster.then((running) => (running ? 'ready' : 'unavailable'));
        return Promise.race([started, starting]).finally(() => clearTimeout(timer));
      }
      const running = await cluster;
      const port = running?.ports[payload?.node ?? 0];
      switch (command) {
        case 'parley-cluster-url':
          return port ? `http://127.0.0.1:${port}` : null;
        case 'parley-cluster-token': {
          const response = await fetch(`http://127.0.0.1:${running.ports[0]}/v1/dev/token`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ user: payload.user, name: payload.user }),
          });
          if (!response.ok) throw new Error(`dev token: HTTP ${response.status}`);
          return (await response.json()).token;
        }
        case 'parley-cluster-gauges': {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          const gauges = {};
          for (const [, name, value] of text.matchAll(/^parley_(calls?_[a-z_]+) (\d+(?:\.\d+)?)$/gm)) gauges[name] = Number(value);
          return gauges;
        }
        default:
          return undefined;
      }
    },
  };
}

export default {
  files: ['packages/*/test/browser/**/*.test.ts', 'packages/elements/src/**/*.test.ts'],
  nodeResolve: true,
  // Lit announces its development build on every page; that line is noise here.
  filterBrowserLogs: ({ args }) => !String(args[0]).includes('Lit is in dev mode'),
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: chromiumPath(),
        headless: true,
        args: [...CHROMIUM_ARGS, ...CALL_CHROMIUM_ARGS],
        // Puppeteer's default is 30 s; a busy machine with a cold disk cache can take longer.
        timeout: 120_000,
      },
    }),
  ],
  // Not 'auto': for an up-to-date Chromium it means esnext, which leaves the
  // elements' standard decorators untransformed (no browser runs them yet).
  // devServerEsmDeps: mediasoup-client is CommonJS; the call code imports it as an ES module.
  plugins: [esbuildPlugin({ ts: true, target: 'es2022' }), devServerEsmDeps(), parleyServers(), parleyCluster()],
  // Bounds for a busy machine (a CI runner sharing its cores with a build runs
  // everything several times slower), not performance goals. A test's own waits
  // (test-support/browser.ts, 30 s each) fail before its timeout, naming what
  // they waited for; the call tests allow themselves longer.
  testFramework: { config: { timeout: 120_000 } },
  // Starting Chromium, and loading a test file's page: every module is
  // transformed on its first request.
  browserStartTimeout: 120_000,
  testsStartTimeout: 120_000,
  // Per test file; the longest (calls) runs seven tests with media.
  testsFinishTimeout: 600_000,
  // One page at a time, whatever the machine's core count: the tests move and
  // check focus and type with real key presses, and pages side by side would
  // compete for focus as well as for the same cores.
  concurrency: 1,
};
