// `npm run dev`: the reference server as `npm start` runs it, rebuilt and
// restarted on every change. tsc -b --watch recompiles the packages, rollup -w
// rebuilds the browser bundles (served fresh on the next reload), and node
// --watch restarts the server when its compiled code changes. Arguments after
// `--` go to the server (`npm run dev -- --port 9000`). Ctrl-C stops all three.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Everything exists before the watchers start (incremental: quick when nothing changed).
const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const tasks = [
  // The tools themselves, not npx, so a stop reaches them.
  { name: 'tsc', command: `${ROOT}node_modules/.bin/tsc`, args: ['-b', '--watch', '--preserveWatchOutput'] },
  { name: 'rollup', command: `${ROOT}node_modules/.bin/rollup`, args: ['-c', '--watch', '--silent'] },
  {
    name: 'server',
    command: process.execPath,
    args: ['--watch', 'packages/server-adapter/dist/cli.js', '--config', 'examples/parley.config.json', ...process.argv.slice(2)],
  },
];

const children = tasks.map(({ name, command, args }) => {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8').on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) if (line.trim()) console.log(`[${name}] ${line}`);
    });
  }
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[${name}] exited (${signal ?? code}); stopping the others`);
    stop(code ?? 1);
  });
  return child;
});

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  process.exitCode = code;
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
