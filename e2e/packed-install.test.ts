/**
 * Parley as a third party adopts it: the three packages are packed, installed
 * from the tarballs into a fresh directory outside the repository with a
 * plain `npm install` on a machine where mediasoup can neither download nor
 * build its worker, and the installed `parley-server` runs without dev mode.
 * A host app on another origin (`host-app/server.mjs`) serves a page with the
 * README's embed snippet verbatim and mints the tokens, and two people chat
 * through it in Chromium. The README's SRI snippet is checked the same way, and
 * the packages' type declarations compile in a strict TypeScript app.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, ConsoleMessage } from 'playwright-core';
import { freePort } from '../test-support/services.mjs';
import { PACK_INSTALL_MS, WAIT_MS } from './helpers/bounds.js';
import { ChatTab } from './helpers/chat-page.js';
import { launchChromium } from './helpers/chromium.js';
import { eventually } from './helpers/eventually.js';
import { installApp, localBetterSqlitePrebuild, packPackages, repositoryVersion, type InstallOutput } from './helpers/packed-app.js';
import { ROOT } from './helpers/paths.js';
import { README_SERVER, readmeSnippet } from './helpers/readme-snippets.js';
import { ServiceProcess } from './helpers/service-process.js';

const run = promisify(execFile);
const ROOM = 'lobby';

let work = '';
let app = '';
let install: InstallOutput = { stdout: '', stderr: '' };
let parley: ServiceProcess | null = null;
let host: ServiceProcess | null = null;
let browser: Browser | null = null;
let parleyUrl = '';
let hostUrl = '';

/** A page of the host app: the README's snippet inside a plain document. */
function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><link rel="icon" href="data:," /><title>${title}</title></head>
  <body>
    <h1>${title}</h1>
${body}
  </body>
</html>
`;
}

/**
 * The environment of a command run as an outsider would: nothing that points
 * mediasoup at a worker, and nothing `npm run` says about this repository's
 * project (npm's own settings, such as its cache and registry, stay).
 */
function outsiderEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_package_|npm_lifecycle_)/.test(name) || ['npm_config_local_prefix', 'npm_command', 'INIT_CWD'].includes(name)) continue;
    if (/^MEDIASOUP_/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

before(
  async () => {
    for (const built of ['packages/server-adapter/dist/cli.js', 'packages/elements/dist/browser/parley.js', 'packages/sdk/dist/browser/parley-sdk.js']) {
      if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
    }
    work = await mkdtemp(join(tmpdir(), 'parley-outsider-'));
    assert.ok(!work.startsWith(ROOT), 'the app lives outside the repository');
    const packs = join(work, 'packs');
    await mkdir(packs);
    const tarballs = await packPackages(packs);

    // A machine that can neither download nor build mediasoup's worker: its
    // download goes to a closed port and its build finds no Python.
    const closedPort = await freePort();
    const installEnv = outsiderEnv({
      ...(await localBetterSqlitePrebuild(join(work, 'better-sqlite3'))),
      MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL: `http://127.0.0.1:${closedPort}`,
      PYTHON: join(work, 'no-python-here'),
    });
    // The host app's own dependencies, at the versions npm's cache has.
    const hostDeps = ['jose', 'ws'].map((name) => `${name}@${repositoryVersion(name)}`);
    ({ dir: app, output: install } = await installApp(work, [...tarballs, ...hostDeps], installEnv));

    const [parleyPort, hostPort] = [await freePort(), await freePort()];
    parleyUrl = `http://127.0.0.1:${parleyPort}`;
    hostUrl = `http://127.0.0.1:${hostPort}`;
    const secret = randomBytes(32).toString('hex');

    parley = await ServiceProcess.start('parley-server', join(app, 'node_modules', '.bin', 'parley-server'), ['--host', '127.0.0.1', '--port', String(parleyPort), '--data-dir', join(work, 'data')], {
      cwd: app,
      env: outsiderEnv({ PARLEY_JWT_SECRET: secret, PARLEY_ALLOWED_ORIGINS: hostUrl }),
      ready: /Parley server listening on http:\/\//,
    });

    await mkdir(join(app, 'pages'));
    await copyFile(join(ROOT, 'e2e', 'host-app', 'server.mjs'), join(app, 'server.mjs'));
    await writeFile(join(app, 'pages', 'index.html'), page('My app', readmeSnippet('embed').replaceAll(README_SERVER, parleyUrl)));
    host = await ServiceProcess.start('host app', process.execPath, ['server.mjs'], {
      cwd: app,
      env: outsiderEnv({ PORT: String(hostPort), PARLEY_URL: parleyUrl, PARLEY_JWT_SECRET: secret, ROOM }),
      ready: /host app listening/,
    });
    browser = await launchChromium();
  },
  { timeout: 2 * PACK_INSTALL_MS },
);

after(async () => {
  await browser?.close();
  await Promise.allSettled([parley?.stop(), host?.stop()]);
  if (work) await rm(work, { recursive: true, force: true });
});

test('a plain npm install succeeds without a mediasoup worker, and the server says how to get calls', () => {
  assert.doesNotMatch(`${install.stdout}\n${install.stderr}`, /npm (error|ERR!)/);
  assert.equal(existsSync(join(app, 'node_modules', 'mediasoup')), false, 'npm left out the optional mediasoup whose install failed');
  const warning = parley?.output.split('\n').find((line) => line.includes('calls are off')) ?? '';
  assert.match(warning, /npm install mediasoup@\d/, 'the hint names what to install');
  assert.doesNotMatch(warning, /scripts\/|ensure\.mjs/, 'and nothing that only a checkout of the repository has');
});

test('the packages type-check in a strict TypeScript app without skipLibCheck', { timeout: PACK_INSTALL_MS }, async () => {
  await writeFile(
    join(app, 'consumer.ts'),
    `import { createServer } from '@parley/server-adapter';
import { createClient } from '@parley/sdk';
import { ChatRoom } from '@parley/elements';
import '@parley/elements/define';

export const server = createServer({ auth: { secret: process.env.PARLEY_JWT_SECRET } });
export const client = createClient({ url: 'https://chat.example.com', token: async () => 'token' });
export const element: typeof ChatRoom = ChatRoom;
`,
  );
  const tsconfig = {
    compilerOptions: {
      strict: true,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      lib: ['es2022', 'dom', 'dom.iterable'],
      types: ['node'],
      skipLibCheck: false,
      noEmit: true,
    },
    files: ['consumer.ts'],
  };
  await writeFile(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', app], { cwd: app, timeout: PACK_INSTALL_MS }).catch((error: { stdout?: string }) => {
    assert.fail(`tsc failed in the app:\n${error.stdout ?? String(error)}`);
  });
});

test('two users chat through the README embed on another origin, with tokens from the host backend', { timeout: 300_000 }, async () => {
  if (!browser) throw new Error('no browser');
  const consoleErrors: string[] = [];
  const scripts: Array<{ url: string; status: number; allowOrigin: string | undefined }> = [];
  const open = async (user: string): Promise<ChatTab> => {
    const tab = await ChatTab.open(browser!, `${hostUrl}/login?user=${user}`, { watch: (page) => {
      page.on('console', (message: ConsoleMessage) => {
        if (message.type() === 'error') consoleErrors.push(`${user}: ${message.text()}`);
      });
      page.on('response', (response) => {
        if (response.request().resourceType() !== 'script') return;
        scripts.push({ url: response.url(), status: response.status(), allowOrigin: response.headers()['access-control-allow-origin'] });
      });
    } });
    assert.equal(new URL(tab.page.url()).origin, hostUrl, 'the page is on the host origin');
    return tab;
  };

  // One at a time: the host backend makes each a member of the room on their first token.
  const ada = await open('ada');
  await ada.ready();
  const grace = await open('grace');
  await grace.ready();

  const first = 'Hello Grace, this chat is embedded in my app (1)';
  const second = 'Hi Ada, it works from here too (2)';
  await ada.send(first);
  await grace.waitForMessages([first], (status) => status !== 'pending');
  await grace.send(second);
  await ada.waitForMessages([first, second], (status) => status !== 'pending' && status !== 'failed');
  await ada.waitForMessages([first], (status) => status === 'delivered' || status === 'read');

  assert.ok(
    scripts.some((s) => s.url === `${parleyUrl}/parley.js` && s.status === 200 && s.allowOrigin === '*'),
    `parley.js came from the Parley server with CORS: ${JSON.stringify(scripts)}`,
  );
  assert.deepEqual([...ada.errors, ...grace.errors], [], 'no uncaught page errors');
  assert.deepEqual(consoleErrors, [], 'no console errors');
  await Promise.all([ada.close(), grace.close()]);
});

test('the README SRI snippet loads parley.js with the published hash, and a wrong hash is refused', { timeout: 120_000 }, async () => {
  if (!browser) throw new Error('no browser');
  const manifest = (await (await fetch(`${parleyUrl}/parley.integrity.json`)).json()) as Record<string, string>;
  const hash = manifest['parley.js'];
  assert.match(hash ?? '', /^sha384-[A-Za-z0-9+/]{64}$/);
  const snippet = readmeSnippet('embed-sri').replaceAll(README_SERVER, parleyUrl);
  assert.ok(snippet.includes('sha384-…'), 'the README shows where the hash goes');
  await writeFile(join(app, 'pages', 'sri-good.html'), page('Pinned', snippet.replace('sha384-…', hash!)));
  await writeFile(join(app, 'pages', 'sri-bad.html'), page('Pinned wrongly', snippet.replace('sha384-…', `sha384-${randomBytes(48).toString('base64')}`)));

  const context = await browser.newContext();
  try {
    const good = await context.newPage();
    await good.goto(`${hostUrl}/sri-good`);
    await eventually('parley.js to run and define <chat-room>', () => good.evaluate(() => customElements.get('chat-room') !== undefined), Boolean);

    const bad = await context.newPage();
    const refused: string[] = [];
    bad.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') refused.push(message.text());
    });
    await bad.goto(`${hostUrl}/sri-bad`);
    // The browser's own refusal is the event that proves the script did not run.
    await eventually('the browser to refuse parley.js', () => Promise.resolve(refused.join('\n')), (text) => /integrity/i.test(text), { timeoutMs: WAIT_MS });
    assert.equal(await bad.evaluate(() => customElements.get('chat-room') === undefined), true, 'nothing of the refused script ran');
  } finally {
    await context.close();
  }
});
