/**
 * Checks the built Storybook (`storybook-static/`) in headless Chromium:
 * serves it on 127.0.0.1, opens every story's iframe and fails a story on any
 * page error or console error, on a play function that threw (each story's
 * play function checks the state the story claims to show), on a Parley
 * element that rendered no text, or on a page that stops responding. Prints
 * one line per story and a summary line; exits non-zero on any failure.
 *
 *   npm run test:stories                         (builds Storybook first)
 *   STORY_SCREENSHOT=shots npm run test:stories  (also a PNG of every story in shots/)
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../test-support/chromium.mjs';

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
// Bounds for a busy machine (a CI runner sharing its cores runs everything
// several times slower), not performance goals.
/** Per-story limit for rendering and the play function, checked in the page (above the play functions' own 20 s). */
const RENDER_TIMEOUT_MS = 45_000;
/** Per-story limit checked from here: it holds even when the page's main thread is stuck. */
const STORY_DEADLINE_MS = 120_000;
/** Starting Chromium. */
const LAUNCH_TIMEOUT_MS = 120_000;
/** One Playwright action, such as opening a story's page. */
const ACTION_TIMEOUT_MS = 60_000;
const VIEWPORT = { width: 1000, height: 720 };

interface IndexEntry {
  id: string;
  title: string;
  name: string;
  type: 'story' | 'docs';
}

/** Raised when a story's page does not answer within {@link STORY_DEADLINE_MS}. */
class PageStuckError extends Error {
  override name = 'PageStuckError';
}

async function main(): Promise<number> {
  const index = JSON.parse(await readFile(join(ROOT, 'index.json'), 'utf8')) as { entries: Record<string, IndexEntry> };
  const stories = Object.values(index.entries).filter((e) => e.type === 'story');
  if (stories.length === 0) throw new Error('storybook-static/index.json lists no stories');
  const shots = process.env.STORY_SCREENSHOT ? resolve(process.env.STORY_SCREENSHOT) : null;
  if (shots) await mkdir(shots, { recursive: true });

  const server = await serve(ROOT);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS], timeout: LAUNCH_TIMEOUT_MS });
  let passed = 0;
  const failed: string[] = [];
  try {
    // One context and one tab, navigated from story to story; a tab that got stuck is replaced.
    const context = await browser.newContext({ viewport: VIEWPORT });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    let problems: string[] = [];
    const openPage = async (): Promise<Page> => {
      const page = await context.newPage();
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      page.on('crash', () => problems.push('the tab crashed'));
      return page;
    };
    let page = await openPage();
    for (const story of stories) {
      problems = [];
      try {
        await withDeadline(checkStory(page, base, story, shots), `${story.id} did not finish within ${STORY_DEADLINE_MS / 1000} s`);
        await withDeadline(page.goto('about:blank'), 'leaving the story');
      } catch (error) {
        problems.push(firstLine(error));
        page = await replacePage(page, openPage);
      }
      if (problems.length === 0) passed++;
      else failed.push(story.id);
      console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${story.title} / ${story.name}`);
      // First lines only: a play function's failure also arrives as a console error with its stack.
      for (const problem of problems) console.log(`     ${firstLine(problem)}`);
    }
  } finally {
    await browser.close();
    await new Promise((done) => server.close(done));
  }
  if (shots) console.log(`screenshots in ${shots}`);
  if (failed.length > 0) console.log(`failed: ${failed.join(', ')}`);
  console.log(`\nstories: ${passed} passed, ${failed.length} failed`);
  return failed.length === 0 ? 0 : 1;
}

/** Opens one story and waits for it to show; throws what went wrong (page and console errors are collected by the caller). */
async function checkStory(page: Page, base: string, story: IndexEntry, shots: string | null): Promise<void> {
  await page.goto(`${base}/iframe.html?id=${encodeURIComponent(story.id)}&viewMode=story`);
  // Storybook's render of the story reaches the phase 'finished' after the play function has
  // run (it shows the main canvas before that); an error shows its error display instead.
  await page.waitForFunction(
    () => {
      const preview = (window as { __STORYBOOK_PREVIEW__?: { currentRender?: { phase?: string } } }).__STORYBOOK_PREVIEW__;
      return preview?.currentRender?.phase === 'finished' || document.body.classList.contains('sb-show-errordisplay');
    },
    null,
    { timeout: RENDER_TIMEOUT_MS },
  );
  if (await page.evaluate(() => document.body.classList.contains('sb-show-errordisplay'))) {
    const message = (await page.locator('#error-message').innerText()).trim();
    throw new Error(`story error: ${message || '(no message)'}`);
  }
  // Every Parley element on the page has visible text in its shadow root.
  await page.waitForFunction(
    () => {
      const elements = [...document.querySelectorAll<HTMLElement>('chat-room, room-list, call-panel, workspace-editor')];
      return elements.length > 0 && elements.every((el) => (el.shadowRoot?.textContent ?? '').trim().length > 0);
    },
    null,
    { timeout: RENDER_TIMEOUT_MS },
  );
  if (shots) await page.screenshot({ path: join(shots, `${story.id}.png`) });
}

/** Closes a tab that may be stuck (without waiting for ever) and opens a fresh one. */
async function replacePage(page: Page, openPage: () => Promise<Page>): Promise<Page> {
  await withDeadline(page.close({ runBeforeUnload: false }), 'closing the tab').catch(() => undefined);
  return openPage();
}

/** `work`, or a {@link PageStuckError} after {@link STORY_DEADLINE_MS}. */
async function withDeadline<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PageStuckError(what)), STORY_DEADLINE_MS);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A static file server for `root` on 127.0.0.1, port 0. */
async function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    // Chromium asks for /favicon.ico by itself; Storybook ships an SVG one.
    if (path === '/favicon.ico') path = '/favicon.svg';
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(root + sep)) {
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
  return server;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

process.exitCode = await main();
