/**
 * Two people in a video call through the call example page (`/call/`,
 * `<call-panel>` from the script-tag bundle) and the reference server's SFU,
 * in headless Chromium with fake camera and microphone: each decodes the
 * other's video and receives their audio (WebRTC statistics), sees them
 * muted when they mute and their screen large when they share it; leaving
 * frees everything the server held for the call; someone outside the room
 * is told they cannot join.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { CallTab, callGauges, callUrl, launchCallChromium } from './helpers/call-page.js';
import { WAIT_MS } from './helpers/bounds.js';
import { eventually } from './helpers/eventually.js';
import { ParleyServerProcess } from './helpers/parley-server.js';

const server = new ParleyServerProcess();
let browser: Browser | null = null;
const tabs: CallTab[] = [];

before(async () => {
  await server.start();
  browser = await launchCallChromium();
});

after(async () => {
  await Promise.allSettled(tabs.map((tab) => tab.close()));
  await browser?.close();
  await server.dispose();
});

async function open(user: string, room: string, options?: { member?: boolean }): Promise<CallTab> {
  if (!browser) throw new Error('no browser');
  const tab = await CallTab.open(browser, callUrl(server.url, user, room, options));
  tabs.push(tab);
  return tab;
}

const gauges = (): Promise<Record<string, number>> => callGauges(server.url);

test('two users see and hear each other; mute and screen share reach the other; leaving frees the server', { timeout: 360_000 }, async () => {
  const room = 'standup';
  const ada = await open('ada', room);
  const grace = await open('grace', room);
  await ada.join();
  await grace.join();

  // Each decodes the other's video and receives their audio, and the page shows and plays it.
  const fromGrace = await ada.waitForMediaFrom('grace');
  const fromAda = await grace.waitForMediaFrom('ada');
  assert.ok(fromGrace.videoFramesDecoded > 0 && fromGrace.audioBytesReceived > 0);
  assert.ok(fromAda.videoFramesDecoded > 0 && fromAda.audioBytesReceived > 0);
  for (const [tab, other] of [
    [ada, 'grace'],
    [grace, 'ada'],
  ] as const) {
    await eventually(`${other}'s video and audio playing`, () => tab.shown(other), (s) => !!s && s.videoWidth > 0 && s.audioPlaying);
  }
  let g = await gauges();
  assert.deepEqual([g.calls_active, g.call_participants], [1, 2], 'one call with two participants');

  // Ada mutes: Grace sees the indicator; Ada unmutes: it goes.
  await ada.press('mic');
  await eventually("ada's mute indicator on grace's page", () => grace.shown('ada'), (s) => s?.micMuted === true);
  await ada.press('mic');
  await eventually("ada's mute indicator gone", () => grace.shown('ada'), (s) => s?.micMuted === false);

  // Ada shares her screen (the fake UI picks one): Grace sees it decoded and larger than a tile.
  await ada.press('screen-toggle');
  const screen = await eventually(
    "ada's screen on grace's page",
    () => grace.screen('ada'),
    (s) => !!s && s.videoWidth > 0,
    // A new producer, its consumer and the first decoded frames.
    { timeoutMs: 2 * WAIT_MS },
  );
  const tile = await grace.shown('ada');
  assert.ok(tile && screen && screen.width > tile.tileWidth, `the screen (${screen?.width}px) is larger than a tile (${tile?.tileWidth}px)`);
  await eventually('screen frames decoded', () => grace.received(), (stats) => (stats.ada?.screenFramesDecoded ?? 0) > 0);
  await ada.press('screen-toggle');
  await eventually("ada's screen gone from grace's page", () => grace.screen('ada'), (s) => s === null);

  // Ada leaves: Grace no longer sees her, and the server keeps only Grace's part of the call.
  await ada.press('leave');
  await eventually("ada's tile gone from grace's page", () => grace.shown('ada'), (s) => s === null);
  await eventually(
    "the server to free ada's transports, producers and consumers",
    gauges,
    (v) => v.call_participants === 1 && v.call_transports === 2 && v.call_producers === 2 && v.call_consumers === 0,
  );
  await grace.press('leave');
  g = await eventually(
    'the server to free the call',
    gauges,
    (v) =>
      v.calls_active === 0 && v.call_participants === 0 && v.call_transports === 0 && v.call_producers === 0 && v.call_consumers === 0,
  );
  assert.equal(g.call_routers, 0);
  assert.deepEqual([...ada.errors, ...grace.errors], []);
});

test('someone who is not a member of the room cannot join its call', { timeout: 240_000 }, async () => {
  const room = 'private-standup';
  const ada = await open('ada', room);
  await ada.join();
  const mallory = await open('mallory', room, { member: false });
  await mallory.press('join');
  const alert = await eventually('the refusal', () => mallory.alert(), (text) => text !== '');
  assert.match(alert, /Only members of this room can join its call/);
  // Still on the pre-join screen, and the server counts only Ada.
  assert.ok(await mallory.page.locator('call-panel [part~="join"]').isVisible());
  const g = await gauges();
  assert.equal(g.call_participants, 1);
  await ada.press('leave');
  await eventually('the call to end', gauges, (v) => v.calls_active === 0);
  assert.deepEqual(mallory.errors, []);
});
