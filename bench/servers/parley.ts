/**
 * Our server under test, in its own process: `createServer` with the real
 * SQLite storage in the given data directory, real HS256 auth (the bench
 * secret), default limits unless a scenario raises one with `--limits`
 * (a JSON object merged over the defaults), logging off. The calls scenario
 * adds dev tokens (the example pages sign in with them) and static directories.
 *
 * With `--database-url` and `--redis-url` it is one node of several:
 * PostgreSQL storage and the Redis bus (the fan-out scenario's three-node case).
 *
 * Besides `stats` and `gc` it answers `loopDelay`: the longest the event loop
 * was held up since the previous `loopDelay` (ms), from Node's own monitor.
 *
 *   parley.ts --data-dir DIR [--port N] [--dev] [--serve DIR]... [--limits JSON]
 *             [--database-url URL --redis-url URL --redis-prefix P]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Limits } from '@parley/sdk/protocol';
import { createServer } from '@parley/server-adapter';
import { runServerChild } from '../lib/serve.js';
import { BENCH_SECRET } from '../lib/tokens.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    dev: { type: 'boolean', default: false },
    serve: { type: 'string', multiple: true, default: [] },
    'database-url': { type: 'string' },
    'redis-url': { type: 'string' },
    'redis-prefix': { type: 'string' },
    limits: { type: 'string' },
  },
});
const dataDir = values['data-dir'];
if (!dataDir) throw new Error('--data-dir is required');
const server = createServer({
  dataDir,
  auth: { secret: BENCH_SECRET, dev: values.dev },
  invitations: 'direct',
  static: values.serve,
  limits: values.limits === undefined ? undefined : (JSON.parse(values.limits) as Partial<Limits>),
  logger: false,
  databaseUrl: values['database-url'],
  redisUrl: values['redis-url'],
  redisPrefix: values['redis-prefix'],
});
const { port } = await server.listen(Number(values.port ?? 0), '127.0.0.1');
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
runServerChild(port, () => server.close(), {
  loopDelay: () => {
    const maxMs = loop.max / 1e6;
    loop.reset();
    return { maxMs };
  },
});
