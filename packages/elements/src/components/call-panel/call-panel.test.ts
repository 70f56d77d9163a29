/**
 * <call-panel> in real Chromium (fake camera and microphone from the test
 * runner's flags) against a real Parley server with a real media worker:
 * the pre-join preview, keyboard operation of every control, two panels
 * seeing and hearing each other, refusals shown as alerts, and axe in both
 * themes.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { ParleyClient } from '@parley/sdk';
import './call-panel.js';
import type { CallPanel } from './call-panel.component.js';
import type { ParleyCallJoinEvent } from '../../events/parley-call-join.js';
import { client, closeClients, eventually, unique, until } from '../../../test-support/chat-room.js';

const SERVER = 'elements-call';

function root(panel: CallPanel): ShadowRoot {
  if (!panel.shadowRoot) throw new Error('no shadow root');
  return panel.shadowRoot;
}

function part(panel: CallPanel, name: string): HTMLElement | null {
  return root(panel).querySelector<HTMLElement>(`[part~="${name}"]`);
}

function must(panel: CallPanel, name: string): HTMLElement {
  const found = part(panel, name);
  if (!found) throw new Error(`no [part~="${name}"]`);
  return found;
}

function tile(panel: CallPanel, user: string): HTMLElement | null {
  return root(panel).querySelector<HTMLElement>(`[part~="tile"][data-user="${CSS.escape(user)}"]`);
}

/** A `<video>` that shows decoded frames of a live track. */
function playing(video: HTMLVideoElement | null | undefined): boolean {
  const track = (video?.srcObject as MediaStream | null)?.getVideoTracks()[0];
  return !!video && !video.hidden && video.videoWidth > 0 && track?.readyState === 'live';
}

/** A room with `members` besides its creator. */
async function room(owner: ParleyClient, members: ParleyClient[]): Promise<string> {
  const created = await owner.createRoom({ kind: 'group', name: 'Call', members: members.map((m) => m.state.user?.id ?? '') });
  for (const member of members) await until(() => member.state.rooms[created.id] !== undefined, 'the member sees the room');
  return created.id;
}

async function panelFor(c: ParleyClient, roomId: string): Promise<CallPanel> {
  const panel = await fixture<CallPanel>(html`<call-panel room=${roomId} .client=${c} style="height:520px"></call-panel>`);
  await until(() => part(panel, 'join') !== null, 'the pre-join screen');
  return panel;
}

const panels: CallPanel[] = [];

describe('<call-panel>', function () {
  // Media set-up takes many round trips and handshakes; on a busy machine several times longer.
  this.timeout(240_000);

  afterEach(async () => {
    // Removing a panel leaves its call.
    for (const panel of panels.splice(0)) panel.remove();
    await closeClients();
  });

  it('previews the camera before joining and offers the devices', async () => {
    const ada = await client(SERVER, unique('ada'), { offline: 'memory' });
    const panel = await panelFor(ada, await room(ada, []));
    panels.push(panel);
    await until(() => playing(root(panel).querySelector<HTMLVideoElement>('video[part~="preview"]')), 'the preview to play the fake camera');
    await until(
      () => [...root(panel).querySelectorAll('[part~="device-select"]')].every((s) => s.querySelectorAll('option').length >= 2),
      'a microphone and a camera beside "Default"',
    );
    expect(must(panel, 'mic').getAttribute('aria-pressed')).to.equal('true');
    expect(must(panel, 'camera').getAttribute('aria-pressed')).to.equal('true');

    // Camera off: the preview stops and says so.
    must(panel, 'camera').click();
    await until(() => must(panel, 'camera').getAttribute('aria-pressed') === 'false', 'the camera toggle off');
    await until(() => !playing(root(panel).querySelector<HTMLVideoElement>('video[part~="preview"]')), 'the preview to stop');
    expect(root(panel).textContent).to.contain('Camera off');
  });

  it('is operated with the keyboard: toggles, join, mute, devices, leave', async () => {
    const ada = await client(SERVER, unique('ada'), { offline: 'memory' });
    const roomId = await room(ada, []);
    const panel = await panelFor(ada, roomId);
    panels.push(panel);
    const adaId = ada.state.user?.id ?? '';

    must(panel, 'mic').focus();
    await sendKeys({ press: 'Space' });
    await until(() => must(panel, 'mic').getAttribute('aria-pressed') === 'false', 'the microphone off before joining');
    await sendKeys({ press: 'Space' });
    await until(() => must(panel, 'mic').getAttribute('aria-pressed') === 'true', 'the microphone on again');

    must(panel, 'join').focus();
    await sendKeys({ press: 'Enter' });
    await until(() => playing(tile(panel, adaId)?.querySelector('video')), 'the self view in the call');
    await until(() => root(panel).activeElement === part(panel, 'mic'), 'focus on the microphone toggle after joining');
    expect(tile(panel, adaId)?.hasAttribute('data-self')).to.equal(true);

    // Space on the focused microphone toggle mutes; the tile says so.
    await sendKeys({ press: 'Space' });
    await until(() => tile(panel, adaId)?.querySelector('[part~="muted"]') !== null, 'the mute indicator on the self tile');
    expect(must(panel, 'mic').getAttribute('aria-pressed')).to.equal('false');

    // The device panel opens with Enter and closes with Escape, focus going back to its button.
    must(panel, 'devices-toggle').focus();
    await sendKeys({ press: 'Enter' });
    await until(() => root(panel).activeElement?.getAttribute('part') === 'device-select', 'focus in the device panel');
    await sendKeys({ press: 'Escape' });
    await until(() => part(panel, 'device-select') === null, 'the device panel closed');
    expect(root(panel).activeElement).to.equal(part(panel, 'devices-toggle'));

    // The chat toggle shows the room's chat beside the call.
    must(panel, 'chat-toggle').focus();
    await sendKeys({ press: 'Space' });
    await until(() => root(panel).querySelector(`chat-room[room="${roomId}"]`) !== null, 'the chat beside the call');
    expect(panel.chat).to.equal(true);

    must(panel, 'leave').focus();
    await sendKeys({ press: 'Enter' });
    await until(() => root(panel).activeElement === part(panel, 'join'), 'back on the pre-join screen with focus on Join');
    expect(root(panel).textContent).to.contain('You left the call.');
    expect(ada.state.calls[roomId]?.status).to.equal('left');
  });

  it('shows each participant to the other with video, audio and mute state', async () => {
    const ada = await client(SERVER, unique('ada'), { offline: 'memory' });
    const bob = await client(SERVER, unique('bob'), { offline: 'memory' });
    const roomId = await room(ada, [bob]);
    const a = await panelFor(ada, roomId);
    const b = await panelFor(bob, roomId);
    panels.push(a, b);
    const adaId = ada.state.user?.id ?? '';
    const bobId = bob.state.user?.id ?? '';

    must(a, 'join').click();
    must(b, 'join').click();
    await until(() => playing(tile(a, bobId)?.querySelector('video')), "bob's video on ada's panel");
    await until(() => playing(tile(b, adaId)?.querySelector('video')), "ada's video on bob's panel");
    // Remote audio plays through an <audio> element with the other's live track.
    await until(() => {
      const audio = tile(b, adaId)?.querySelector('audio');
      const track = (audio?.srcObject as MediaStream | null)?.getAudioTracks()[0];
      return !!audio && !audio.paused && track?.readyState === 'live';
    }, "ada's audio playing on bob's panel");
    await eventually(async () => ((await b.call?.stats())?.[adaId]?.audioBytesReceived ?? 0) > 0, 'audio bytes from ada');
    expect(root(b).querySelector('[part="status"]')?.textContent).to.contain('2 people in the call');

    must(a, 'mic').click();
    await until(() => tile(b, adaId)?.querySelector('[part~="muted"]') !== null, 'bob sees ada muted');
    expect(tile(b, adaId)?.hasAttribute('data-audio-muted')).to.equal(true);

    must(a, 'leave').click();
    await until(() => tile(b, adaId) === null, "ada's tile gone from bob's panel");
  });

  it('tells a non-member that only members can join, as an alert', async () => {
    const ada = await client(SERVER, unique('ada'), { offline: 'memory' });
    const eve = await client(SERVER, unique('eve'), { offline: 'memory' });
    const roomId = await room(ada, []);
    const panel = await panelFor(eve, roomId);
    panels.push(panel);
    must(panel, 'join').click();
    await until(() => part(panel, 'error') !== null, 'an error');
    const alert = must(panel, 'error');
    expect(alert.getAttribute('role')).to.equal('alert');
    expect(alert.textContent).to.contain('Only members of this room can join its call.');
    expect(part(panel, 'join'), 'still on the pre-join screen').to.not.equal(null);
  });

  it('stays on the pre-join screen when the host cancels parley-call-join', async () => {
    const ada = await client(SERVER, unique('ada'), { offline: 'memory' });
    const roomId = await room(ada, []);
    const panel = await panelFor(ada, roomId);
    panels.push(panel);
    let seen: ParleyCallJoinEvent | null = null;
    panel.addEventListener('parley-call-join', (event) => {
      seen = event;
      event.preventDefault();
    });
    must(panel, 'camera').click();
    await until(() => must(panel, 'camera').getAttribute('aria-pressed') === 'false', 'camera off');
    must(panel, 'join').click();
    await until(() => seen !== null, 'the event');
    const event = seen as ParleyCallJoinEvent | null;
    expect([event?.room, event?.audio, event?.video]).to.deep.equal([roomId, true, false]);
    expect(ada.state.calls[roomId]?.status).to.equal('idle');
  });

  for (const theme of ['light', 'dark']) {
    it(`passes axe in the ${theme} theme, before and in the call`, async () => {
      const ada = await client(SERVER, unique('ada'), { offline: 'memory' });
      const panel = await panelFor(ada, await room(ada, []));
      panels.push(panel);
      panel.setAttribute('theme', theme);
      await until(() => playing(root(panel).querySelector<HTMLVideoElement>('video[part~="preview"]')), 'the preview');
      await expect(panel).to.be.accessible();
      must(panel, 'join').click();
      await until(() => part(panel, 'leave') !== null, 'in the call');
      await expect(panel).to.be.accessible();
    });
  }
});
