/**
 * One user's tab on the call example page (`/call/?user=…&room=…`), driven
 * through the documented hooks of `<call-panel>`: `part="join"`, `"leave"`,
 * `"mic"`, `"camera"`, one `part="tile"` per participant with `data-user`
 * and their `<video>`, `part="screen"` for a shared screen, `role="alert"`
 * for errors, and the element's `call` property (the SDK's `Call`, whose
 * `stats()` says what arrived from whom). Playwright's CSS selectors pierce
 * open shadow roots.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CALL_CHROMIUM_ARGS, CHROMIUM_ARGS, chromiumPath } from '../../test-support/chromium.mjs';
import { BROWSER_LAUNCH_MS, PAGE_ACTION_MS, WAIT_MS } from './bounds.js';
import { eventually } from './eventually.js';

/** What arrived from one participant (the SDK's `CallMediaStats`). */
export interface ReceivedMedia {
  audioBytesReceived: number;
  videoFramesDecoded: number;
  screenFramesDecoded: number;
}

/** How a participant's `<video>` (or `<audio>`) element is doing, as a user would notice. */
export interface ShownMedia {
  /** Decoded frame size of the tile's video (0 until frames arrive). */
  videoWidth: number;
  /** The tile's `<audio>` plays a live track (always false for your own tile). */
  audioPlaying: boolean;
  /** The tile shows the microphone-off indicator. */
  micMuted: boolean;
  /** On-screen width of the tile, in CSS pixels. */
  tileWidth: number;
}

/**
 * Headless Chromium with fake media devices (a test pattern and a beep,
 * permission prompts accepted, the fake UI picks a screen to share) and
 * WebRTC over loopback. The autoplay policy is Chromium's default: remote
 * audio must play because the user clicked Join, as in a real browser.
 */
export function launchCallChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_ARGS, ...CALL_CHROMIUM_ARGS],
    timeout: BROWSER_LAUNCH_MS,
  });
}

/** The call example page on `origin` for `user` in `room`; `member: false` skips joining the room first. */
export function callUrl(origin: string, user: string, room: string, { member = true }: { member?: boolean } = {}): string {
  const params = new URLSearchParams({ user, room });
  if (!member) params.set('member', '0');
  return `${origin}/call/?${params.toString()}`;
}

/** A user's browser context (own profile) and call page. */
export class CallTab {
  readonly errors: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('pageerror', (error) => this.errors.push(error.message));
  }

  /** Opens `url` in a fresh context and waits for the pre-join screen's Join button. */
  static async open(browser: Browser, url: string): Promise<CallTab> {
    const context = await browser.newContext();
    context.setDefaultTimeout(PAGE_ACTION_MS);
    const tab = new CallTab(context, await context.newPage());
    await tab.page.goto(url);
    await tab.page.locator('call-panel [part~="join"]').waitFor({ state: 'visible' });
    return tab;
  }

  /** Presses a control of the panel by its part name (`join`, `leave`, `mic`, `camera`, `screen-toggle`…). */
  press(part: string): Promise<void> {
    return this.page.locator(`call-panel [part~="${part}"]`).click();
  }

  /** Joins and waits until the panel shows the call (the Leave button). */
  async join(): Promise<void> {
    await this.press('join');
    await this.page.locator('call-panel [part~="leave"]').waitFor({ state: 'visible' });
  }

  /** What the user sees of `user`'s tile (null while there is none). */
  shown(user: string): Promise<ShownMedia | null> {
    return this.page.evaluate((id) => {
      const root = document.querySelector('call-panel')?.shadowRoot;
      const tile = [...(root?.querySelectorAll<HTMLElement>('[part~="tile"]') ?? [])].find((t) => t.dataset.user === id);
      if (!tile) return null;
      const video = tile.querySelector('video');
      const audio = tile.querySelector('audio');
      const audioTrack = (audio?.srcObject as MediaStream | null)?.getAudioTracks()[0];
      return {
        videoWidth: video && !video.hidden ? video.videoWidth : 0,
        audioPlaying: !!audio && !audio.paused && audioTrack?.readyState === 'live',
        micMuted: tile.querySelector('[part~="muted"][data-kind="audio"]') !== null,
        tileWidth: tile.getBoundingClientRect().width,
      };
    }, user);
  }

  /** `user`'s shared screen as shown: decoded width and on-screen width (null while none is shown). */
  screen(user: string): Promise<{ videoWidth: number; width: number } | null> {
    return this.page.evaluate((id) => {
      const root = document.querySelector('call-panel')?.shadowRoot;
      const screen = [...(root?.querySelectorAll<HTMLElement>('[part~="screen"]') ?? [])].find((s) => s.dataset.user === id);
      const video = screen?.querySelector('video');
      return screen && video ? { videoWidth: video.videoWidth, width: screen.getBoundingClientRect().width } : null;
    }, user);
  }

  /** What the call received from each participant so far, from WebRTC's statistics. */
  received(): Promise<Record<string, ReceivedMedia>> {
    return this.page.evaluate(async () => {
      const panel = document.querySelector('call-panel') as (HTMLElement & { call?: { stats(): Promise<Record<string, ReceivedMedia>> } }) | null;
      return (await panel?.call?.stats()) ?? {};
    });
  }

  /** Waits until video frames from `user` were decoded and audio bytes received. */
  async waitForMediaFrom(user: string): Promise<ReceivedMedia> {
    const all = await eventually(
      `decoded video and received audio from ${user}`,
      () => this.received(),
      (stats) => (stats[user]?.videoFramesDecoded ?? 0) > 0 && (stats[user]?.audioBytesReceived ?? 0) > 0,
      // Joining sets up transports over ICE and DTLS first.
      { timeoutMs: 2 * WAIT_MS },
    );
    return all[user]!;
  }

  /** The text of the panel's alert, or '' when there is none. */
  alert(): Promise<string> {
    return this.page.evaluate(() => {
      const alert = document.querySelector('call-panel')?.shadowRoot?.querySelector('[role="alert"]');
      return (alert?.textContent ?? '').replace(/\s+/g, ' ').trim();
    });
  }

  /** Closes the context (and with it the page). */
  close(): Promise<void> {
    return this.context.close();
  }
}

/** The server's call gauges from `/metrics` (`calls_active`, `call_participants`, `call_transports`…). */
export async function callGauges(server: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${server}/metrics`)).text();
  const gauges: Record<string, number> = {};
  for (const [, name, value] of text.matchAll(/^parley_(calls?_[a-z_]+) (\d+(?:\.\d+)?)$/gm)) gauges[name!] = Number(value);
  return gauges;
}
