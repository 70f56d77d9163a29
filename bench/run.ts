/**
 * `npm run bench`: runs the benchmark scenarios in order and prints one
 * table set per scenario, our server next to its peers measured in the same
 * run. See BENCHMARKS.md.
 *
 *   npm run bench                       full mode (tens of minutes)
 *   npm run bench -- --short            every scenario, small (CI smoke test, < 2 min)
 *   npm run bench -- --only fanout,history
 *   npm run bench -- --profile          our server writes a --cpu-prof profile per process into bench-profiles/
 *   npm run bench -- --only fanout --sizes 1000   fan-out at the given N only
 */
import { mkdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { installCleanup, stopAll } from './lib/children.js';
import { withTimeout } from './lib/clock.js';
import { probeFsync } from './lib/disk.js';
import { ms } from './lib/format.js';
import { openFileLimit } from './lib/limits.js';
import type { Scenario, ScenarioContext } from './lib/scenario.js';
import { profiling } from './lib/servers.js';
import { renderTable } from './lib/table.js';
import { bundles } from './scenarios/bundles.js';
import { calls } from './scenarios/calls.js';
import { fanout } from './scenarios/fanout.js';
import { history } from './scenarios/history.js';
import { manyRooms } from './scenarios/many-rooms.js';
import { outbox } from './scenarios/outbox.js';
import { workspaceAttack } from './scenarios/workspace-attack.js';
import { workspaceSync } from './scenarios/workspace-sync.js';

const SCENARIOS: Scenario[] = [fanout, manyRooms, workspaceSync, workspaceAttack, outbox, history, bundles, calls];

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(`Usage: npm run bench -- [--short] [--only ${SCENARIOS.map((s) => s.name).join(',')}] [--profile] [--sizes N,N]`);
  process.exit(0);
}

const wanted = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = wanted?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
if (unknown.length) {
  console.error(`bench: unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const sizes = values.sizes?.split(',').map((s) => Number(s.trim())) ?? null;
if (sizes?.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error(`bench: --sizes takes positive integers, got ${values.sizes ?? ''}`);
  process.exit(2);
}
const selected = SCENARIOS.filter((s) => !wanted || wanted.includes(s.name));
const short = values.short === true;
if (values.profile) {
  const dir = resolve('bench-profiles');
  mkdirSync(dir, { recursive: true });
  profiling.flags = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

installCleanup();
const started = Date.now();
const limits = openFileLimit();
const fsync = probeFsync();
const [load1] = loadavg();
console.log(`# Parley bench (${short ? 'short' : 'full'} mode)`);
console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
    `open files ${limits ? `${limits.soft}/${limits.hard}` : 'unknown'}, ${new Date().toISOString()}`,
);
console.log(
  `4 KiB write + fdatasync in ${tmpdir()}: p50 ${ms(fsync?.p50)} ms, p95 ${ms(fsync?.p95)} ms; ` +
    `load average before the run ${load1.toFixed(2)}\n`,
);

let failures = 0;
for (const scenario of selected) {
  console.log(`## ${scenario.title}\n`);
  const t0 = Date.now();
  const ctx: ScenarioContext = {
    short,
    sizes,
    table: (table) => console.log(renderTable(table)),
    log: (line) => console.log(`> ${line}`),
  };
  try {
    const outcome = await withTimeout(scenario.run(ctx), scenario.timeoutMs(short && !sizes), scenario.name);
    if (outcome && 'skipped' in outcome) console.log(`skipped: ${outcome.skipped}\n`);
    else console.log(`(${scenario.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  } catch (error) {
    failures++;
    console.log(`FAILED: ${scenario.name}: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    await stopAll();
  }
}
console.log(`bench finished in ${((Date.now() - started) / 1000).toFixed(1)} s${failures ? `, ${failures} scenario(s) FAILED` : ''}`);
process.exit(failures ? 1 : 0);
