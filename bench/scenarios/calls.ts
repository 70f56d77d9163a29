/**
 * Calls: how long the second person to join a call waits, after pressing
 * Join, until the first video frame from the person already there is
 * decoded — in headless Chromium with fake camera and microphone, through
 * the call example page (`<call-panel>` from the script-tag bundle) and our
 * server's SFU. The browser side reuses the e2e helpers.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { CallTab, callGauges, callUrl, launchCallChromium } from '../../e2e/helpers/call-page.js';
import type { ReceivedMedia } from '../../e2e/helpers/call-page.js';
import { eventually } from '../../e2e/helpers/eventually.js';
import { ELEMENTS_BUNDLE, ROOT, STATIC_ROOTS } from '../../e2e/helpers/paths.js';
// Not exported by the package: the same lookup the server makes before it starts a worker.
import { locateWorkerBinary } from '../../packages/server-adapter/src/calls/worker-binary.js';
import { createHistogram, recordMicros, summarize } from '../lib/histogram.js';
import { ms } from '../lib/format.js';
import type { Scenario } from '../lib/scenario.js';
import { startServer } from '../lib/servers.js';

/** Bound on one measured join. */
const JOIN_TIMEOUT_MS = 30_000;
/** How often the joining page reads WebRTC statistics (the measurement's resolution, plus one `getStats`). */
const POLL_MS = 10;
/** The one already in the call, and the one whose join is measured. */
const FIRST = 'ada';
const SECOND = 'grace';

/** One measured join, in milliseconds from the click on Join. */
interface Join {
  /** The SDK's call state says `joined` (signalling, device, transports). */
  joinedMs: number | null;
  /** `stats()` counts a decoded video frame from the first participant. */
  frameMs: number;
}

/**
 * Clicks Join on the page and polls the panel's call until a video frame from
 * `other` is decoded; timed with the page's own clock, so the Node ↔ browser
 * round trips of the driver are not in the figure.
 */
function timedJoin(tab: CallTab, other: string): Promise<Join | null> {
  return tab.page.evaluate(
    async ({ other, timeoutMs, pollMs }) => {
      type PanelCall = { state: { status: string }; stats(): Promise<Record<string, ReceivedMedia>> };
      const panel = document.querySelector('call-panel') as (HTMLElement & { call?: PanelCall }) | null;
      const button = panel?.shadowRoot?.querySelector<HTMLElement>('[part~="join"]');
      if (!panel || !button) throw new Error('no call panel with a Join button on the page');
      const t0 = performance.now();
      button.click();
      let joinedMs: number | null = null;
      while (performance.now() - t0 < timeoutMs) {
        const call = panel.call;
        if (joinedMs === null && call?.state.status === 'joined') joinedMs = performance.now() - t0;
        const stats = call ? await call.stats() : {};
        if ((stats[other]?.videoFramesDecoded ?? 0) > 0) return { joinedMs, frameMs: performance.now() - t0 };
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      return null;
    },
    { other, timeoutMs: JOIN_TIMEOUT_MS, pollMs: POLL_MS },
  );
}

/** One repetition in a fresh call: the first joins and sends, the second's join is timed, both leave. */
async function measureOnce(browser: Browser, origin: string, room: string): Promise<Join> {
  const tabs: CallTab[] = [];
  try {
    const first = await CallTab.open(browser, callUrl(origin, FIRST, room));
    tabs.push(first);
    const second = await CallTab.open(browser, callUrl(origin, SECOND, room));
    tabs.push(second);
    await first.join();
    // The first participant's microphone and camera are on the server before the clock starts.
    await eventually('the first participant to send audio and video', () => callGauges(origin), (g) => g.call_producers === 2, {
      timeoutMs: JOIN_TIMEOUT_MS,
    });
    const join = await timedJoin(second, FIRST);
    if (!join) throw new Error(`no video frame from ${FIRST} decoded within ${JOIN_TIMEOUT_MS} ms of ${SECOND} joining`);
    const errors = [...first.errors, ...second.errors];
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    await second.press('leave');
    await first.press('leave');
    await eventually('the server to end the call', () => callGauges(origin), (g) => g.calls_active === 0 && g.call_producers === 0);
    return join;
  } finally {
    await Promise.allSettled(tabs.map((tab) => tab.close()));
  }
}

export const calls: Scenario = {
  name: 'calls',
  title: 'Calls',
  timeoutMs: (short) => (short ? 90_000 : 300_000),
  async run(ctx) {
    const worker = locateWorkerBinary();
    if (worker.path === null) {
      ctx.log(`  ${worker.reason}`);
      return { skipped: 'no mediasoup worker' };
    }
    if (!existsSync(ELEMENTS_BUNDLE)) {
      ctx.log('  no build output: running npm run build');
      await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    }
    const repetitions = ctx.short ? 2 : 10;
    const server = await startServer('parley', { serverArgs: ['--dev', ...STATIC_ROOTS.flatMap((dir) => ['--serve', dir])] });
    const origin = `http://127.0.0.1:${server.port}`;
    let browser: Browser | null = null;
    const frame = createHistogram();
    const joined = createHistogram();
    try {
      browser = await launchCallChromium();
      for (let rep = 1; rep <= repetitions; rep++) {
        const join = await measureOnce(browser, origin, `bench-call-${rep}`);
        recordMicros(frame, join.frameMs * 1000);
        if (join.joinedMs !== null) recordMicros(joined, join.joinedMs * 1000);
        ctx.log(`  join ${rep}: joined after ${ms(join.joinedMs)} ms, first remote frame decoded after ${ms(join.frameMs)} ms`);
      }
    } finally {
      await browser?.close();
      await server.dispose();
    }
    const toFrame = summarize(frame);
    const toJoined = summarize(joined);
    frame.destroy();
    joined.destroy();
    ctx.table({
      title: `Join → first decoded remote video frame, second of two participants (${repetitions} joins)`,
      columns: ['server', 'measure', 'joins', 'p50 ms', 'p95 ms', 'max ms'],
      rows: [
        ['parley', 'join → call joined', String(toJoined?.count ?? 0), ms(toJoined?.p50), ms(toJoined?.p95), ms(toJoined?.max)],
        ['parley', 'join → first remote frame decoded', String(toFrame?.count ?? 0), ms(toFrame?.p50), ms(toFrame?.p95), ms(toFrame?.max)],
      ],
      notes: [
        'Headless Chromium, fake camera and microphone, WebRTC over loopback to our SFU (mediasoup) on 127.0.0.1; ' +
          'a fresh call (room) per join, the first participant already sending audio and video. ' +
          `Timed in the joining page from its click on Join; the page reads the SDK call's \`stats()\` (getStats \`framesDecoded\`) every ${POLL_MS} ms. ` +
          '"call joined": the SDK reports the call joined (signalling, device, transports), before its own media starts.',
        `With ${repetitions} joins, p95 is the slowest join. No peer: none of the peers in this harness has calls, so there is nothing to compare in the same run.`,
      ],
    });
  },
};
