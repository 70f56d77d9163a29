/**
 * Smoke test of the built Storybook (`storybook-static/`): serves it on
 * 127.0.0.1, opens every story's iframe in headless Chromium and fails on any
 * page error or console error, or a story whose element rendered nothing.
 *
 *   npm run test:stories   (builds first)
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = resolve('storybook-static');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
/** Per-story limit for the element to show content. */
const RENDER_TIMEOUT_MS = 15_000;

interface IndexEntry {
  id: string;
  title: string;
  name: string;
  type: 'story' | 'docs';
}

/** The first Chromium that exists: CHROME_PATH, then the usual system paths. */
function chromePath(): string {
  const candidates = [process.env.CHROME_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium'];
  const found = candidates.find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error('no Chromium found: set CHROME_PATH');
  return found;
}

async function main(): Promise<number> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(ROOT, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(ROOT)) {
      res.writeHead(403).end();
      return;
    }
    stat(file)
      .then(async (s) => {
        if (!s.isFile()) throw new Error('not a file');
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(await readFile(file));
      })
      .catch(() => res.writeHead(404).end());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: chromePath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // /dev/shm is tiny in containers: without this, tabs crash.
      '--disable-dev-shm-usage',
    ],
  });
  let passed = 0;
  const failures: string[] = [];
  try {
    const index = JSON.parse(await readFile(join(ROOT, 'index.json'), 'utf8')) as { entries: Record<string, IndexEntry> };
    const stories = Object.values(index.entries).filter((e) => e.type === 'story');
    if (stories.length === 0) throw new Error('index.json lists no stories');
    // One tab for all stories (a full navigation each): opening many tabs fails on small machines.
    const page = await browser.newPage({ viewport: { width: 1000, height: 720 } });
    let problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    for (const story of stories) {
      problems = [];
      await checkStory(page, base, story, problems);
      await page.goto('about:blank');
      if (problems.length === 0) passed++;
      else failures.push(`${story.id}:\n  ${problems.join('\n  ')}`);
      console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${story.title} / ${story.name}`);
      for (const problem of problems) console.log(`     ${problem}`);
    }
  } finally {
    await browser.close();
    await new Promise((done) => server.close(done));
  }
  console.log(`\n${passed} passed, ${failures.length} failed`);
  return failures.length === 0 ? 0 : 1;
}

type Page = Awaited<ReturnType<Awaited<ReturnType<typeof chromium.launch>>['newPage']>>;

/** Opens one story; adds what went wrong to `problems` (page and console errors arrive there too). */
async function checkStory(page: Page, base: string, story: IndexEntry, problems: string[]): Promise<void> {
  try {
    await page.goto(`${base}/iframe.html?id=${encodeURIComponent(story.id)}&viewMode=story`);
    // Storybook marks the root once the story (and its play function) finished.
    await page.waitForFunction(() => document.body.classList.contains('sb-show-main') || document.body.classList.contains('sb-show-errordisplay'), null, {
      timeout: RENDER_TIMEOUT_MS,
    });
    if (await page.evaluate(() => document.body.classList.contains('sb-show-errordisplay'))) {
      problems.push(`story error: ${await page.locator('#error-message').innerText()}`);
    }
    // Every story shows at least one Parley element whose shadow root has visible text.
    await page.waitForFunction(
      () => {
        const tags = ['chat-room', 'room-list'];
        const elements = tags.flatMap((t) => [...document.querySelectorAll<HTMLElement>(t)]);
        return elements.length > 0 && elements.every((el) => (el.shadowRoot?.textContent ?? '').trim().length > 0);
      },
      null,
      { timeout: RENDER_TIMEOUT_MS },
    );
    if (process.env.STORY_SCREENSHOT === story.id) await page.screenshot({ path: `${story.id}.png` });
  } catch (error) {
    problems.push(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
}

process.exitCode = await main();
