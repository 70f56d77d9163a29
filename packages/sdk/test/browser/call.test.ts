/**
 * Calls in real Chromium against a real server with a real mediasoup worker
 * (fake camera and microphone from Chromium's flags, WebRTC over
 * 127.0.0.1): two users in one page each decode the other's video and
 * receive their audio, per WebRTC's own statistics.
 */
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { createClient } from '../../src/index.js';
import type { Call, ParleyClient, ParleyError, Timers } from '../../src/index.js';
import { eventually, unique, until } from '../../../../test-support/browser.js';

const SERVER = 'calls';
/** A rejoin is a reconnect, a new router and new transports: several round trips and an ICE and DTLS handshake. */
const REJOIN_MS = 60_000;

async function client(user: string, options: { mediaDevices?: MediaDevices; server?: string; timers?: Timers } = {}): Promise<ParleyClient> {
  const server = options.server ?? SERVER;
  const url = await executeServerCommand<string, { name: string }>('parley-server-url', { name: server });
  const token = await executeServerCommand<string, { name: string; user: string }>('parley-token', { name: server, user });
  const c = createClient({
    url,
    token,
    offline: 'memory',
    reconnect: { baseMs: 50, capMs: 500 },
    mediaDevices: options.mediaDevices,
    ...(options.timers ? { timers: options.timers } : {}),
  });
  await c.connect();
  await c.whenOnline();
  return c;
}

function gauges(server = SERVER): Promise<Record<string, number>> {
  return executeServerCommand<Record<string, number>, { name: string }>('parley-call-gauges', { name: server });
}

/** A canvas that keeps drawing, captured as a video track: what an app would share instead of a screen. */
function canvasTrack(): MediaStreamTrack {
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 180;
  const context = canvas.getContext('2d');
  let frame = 0;
  const timer = setInterval(() => {
    if (!context) return;
    context.fillStyle = `hsl(${(frame++ * 7) % 360} 80% 50%)`;
    context.fillRect(0, 0, canvas.width, canvas.height);
  }, 50);
  const [track] = canvas.captureStream(20).getVideoTracks();
  track.addEventListener('ended', () => clearInterval(timer));
  return track;
}

describe('calls in the browser', function () {
  // Media set-up takes many round trips and handshakes; on a busy machine several times longer.
  this.timeout(240_000);
  const open: ParleyClient[] = [];
  const calls: Call[] = [];
  afterEach(async () => {
    for (const call of calls.splice(0)) await call.leave();
    for (const c of open.splice(0)) await c.logout();
  });

  it('two users decode each other’s video and audio; mute and screen share reach the other; leaving frees the server', async () => {
    const ada = await client(unique('ada'));
    const bob = await client(unique('bob'));
    open.push(ada, bob);
    const adaId = ada.state.user?.id ?? '';
    const bobId = bob.state.user?.id ?? '';
    const room = await ada.createRoom({ kind: 'group', name: 'Standup', members: [bobId] });
    await until(() => bob.state.rooms[room.id] !== undefined, 'bob sees the room');

    const adaCall = await ada.call(room.id);
    const bobCall = await bob.call(room.id);
    calls.push(adaCall, bobCall);
    expect(adaCall.state.status).to.equal('idle');
    expect(await ada.call(room.id)).to.equal(adaCall, 'one handle per room');
    const warnings: ParleyError[] = [];
    adaCall.on('warning', (w) => warnings.push(w));
    bobCall.on('warning', (w) => warnings.push(w));

    await adaCall.join();
    await bobCall.join();
    expect(ada.state.calls[room.id]?.status).to.equal('joined');
    expect(warnings.map((w) => w.message)).to.deep.equal([]);

    // Each sees the other with both tracks, and the self view has its own.
    await until(() => {
      const a = bobCall.state.participants[adaId];
      const b = adaCall.state.participants[bobId];
      return !!(a?.audio.track && a.video.track && b?.audio.track && b.video.track);
    }, 'both participants with audio and video tracks');
    expect(bobCall.state.participants[adaId].name).to.equal(adaId);
    expect(bobCall.state.participants[adaId].audio.muted).to.equal(false);
    expect(adaCall.state.self.video.track?.readyState).to.equal('live');

    // Media really flows: frames decoded and audio bytes received, both ways.
    await eventually(async () => {
      const [fromAda, fromBob] = [(await bobCall.stats())[adaId], (await adaCall.stats())[bobId]];
      return fromAda.videoFramesDecoded > 0 && fromAda.audioBytesReceived > 0 && fromBob.videoFramesDecoded > 0 && fromBob.audioBytesReceived > 0;
    }, 'decoded video frames and received audio bytes both ways');

    let g = await gauges();
    expect([g.calls_active, g.call_participants, g.call_transports, g.call_producers, g.call_consumers]).to.deep.equal([1, 2, 4, 4, 4]);

    // Muting the microphone shows as muted for the other; unmuting as not.
    await adaCall.setMicrophone(false);
    expect(adaCall.state.self.audio.muted).to.equal(true);
    await until(() => bobCall.state.participants[adaId]?.audio.muted === true, 'bob sees ada muted');
    await adaCall.setMicrophone(true);
    await until(() => bobCall.state.participants[adaId]?.audio.muted === false, 'bob sees ada unmuted');

    // Camera off: the other loses the video track.
    await bobCall.setCamera(false);
    await until(() => adaCall.state.participants[bobId]?.video.muted === true && !adaCall.state.participants[bobId].video.track, 'ada sees bob’s camera off');
    await bobCall.setCamera(true);
    await until(() => !!adaCall.state.participants[bobId]?.video.track, 'bob’s camera back');

    // Screen share through getDisplayMedia (Chromium's fake UI picks a screen without asking).
    await adaCall.shareScreen(true);
    expect(adaCall.state.self.screen.track?.readyState).to.equal('live');
    await until(() => !!bobCall.state.participants[adaId]?.screen.track, 'bob gets ada’s screen');
    await eventually(async () => (await bobCall.stats())[adaId].screenFramesDecoded > 0, 'bob decodes the screen');
    await adaCall.shareScreen(false);
    await until(() => !bobCall.state.participants[adaId]?.screen.track, 'the screen share ends for bob');

    // Leaving: the other is told; the server frees every transport, producer and consumer.
    await adaCall.leave();
    expect(adaCall.state.status).to.equal('left');
    await until(() => bobCall.state.participants[adaId] === undefined, 'bob sees ada leave');
    // The consumers of ada's media close when mediasoup reports her producers closed (asynchronously).
    await eventually(async () => {
      g = await gauges();
      return g.call_participants === 1 && g.call_transports === 2 && g.call_producers === 2 && g.call_consumers === 0;
    }, 'the server to free ada’s transports, producers and consumers');
    await bobCall.leave();
    await eventually(async () => {
      g = await gauges();
      return g.calls_active === 0 && g.call_transports === 0 && g.call_producers === 0 && g.call_consumers === 0 && g.call_routers === 0;
    }, 'the server to free the call');
  });

  it('when the chat connection drops, the call shows reconnecting and comes back with media by itself', async () => {
    const server = 'calls-reconnect';
    const ada = await client(unique('ada'), { server });
    const bob = await client(unique('bob'), { server });
    open.push(ada, bob);
    const adaId = ada.state.user?.id ?? '';
    const room = await ada.createRoom({ kind: 'group', name: 'Flaky', members: [bob.state.user?.id ?? ''] });
    const adaCall = await ada.call(room.id);
    const bobCall = await bob.call(room.id);
    calls.push(adaCall, bobCall);
    await adaCall.join();
    await bobCall.join();
    await adaCall.setMicrophone(false);
    await eventually(async () => ((await bobCall.stats())[adaId]?.videoFramesDecoded ?? 0) > 0, 'video before the drop');

    const statuses: string[] = [];
    bobCall.subscribe((state) => statuses.push(state.status));
    await executeServerCommand('parley-server-stop', { name: server });
    await until(() => bobCall.state.status === 'reconnecting' && adaCall.state.status === 'reconnecting', 'both calls reconnecting');
    expect(bobCall.state.participants).to.deep.equal({});
    await executeServerCommand('parley-server-start', { name: server });

    await until(() => bobCall.state.status === 'joined' && adaCall.state.status === 'joined', 'both calls joined again', REJOIN_MS);
    expect(statuses).to.include('reconnecting');
    // The same media as before the drop: ada's camera on, her microphone still muted.
    await until(() => !!bobCall.state.participants[adaId]?.video.track, 'ada’s video again');
    expect(adaCall.state.self.audio.muted).to.equal(true);
    await until(() => bobCall.state.participants[adaId]?.audio.muted === true, 'ada still muted for bob');
    await eventually(async () => ((await bobCall.stats())[adaId]?.videoFramesDecoded ?? 0) > 0, 'video decoded after the rejoin');
    const g = await gauges(server);
    expect([g.calls_active, g.call_participants]).to.deep.equal([1, 2]);
  });

  it('when the server’s media worker dies, the call rejoins by itself and media flows again', async () => {
    const server = 'calls-worker';
    const ada = await client(unique('ada'), { server });
    const bob = await client(unique('bob'), { server });
    open.push(ada, bob);
    const adaId = ada.state.user?.id ?? '';
    const room = await ada.createRoom({ kind: 'group', name: 'Crash', members: [bob.state.user?.id ?? ''] });
    const adaCall = await ada.call(room.id);
    const bobCall = await bob.call(room.id);
    calls.push(adaCall, bobCall);
    await adaCall.join();
    await bobCall.join();
    await eventually(async () => ((await bobCall.stats())[adaId]?.videoFramesDecoded ?? 0) > 0, 'video before the crash');

    const statuses: string[] = [];
    bobCall.subscribe((state) => statuses.push(state.status));
    expect(await executeServerCommand('parley-call-kill-worker', { name: server })).to.equal(1);
    await until(() => statuses.includes('reconnecting'), 'bob’s call reconnecting');
    await until(() => bobCall.state.status === 'joined' && adaCall.state.status === 'joined', 'both calls joined again', REJOIN_MS);
    await until(() => !!bobCall.state.participants[adaId]?.video.track, 'ada’s video again');
    await eventually(async () => ((await bobCall.stats())[adaId]?.videoFramesDecoded ?? 0) > 0, 'video decoded on the new worker');
    expect(ada.state.connection).to.equal('online', 'chat was not affected');
  });

  it('a network change restarts ICE on both transports, and media keeps flowing', async () => {
    const ada = await client(unique('ada'));
    const bob = await client(unique('bob'));
    open.push(ada, bob);
    const adaId = ada.state.user?.id ?? '';
    const room = await ada.createRoom({ kind: 'group', name: 'Roaming', members: [bob.state.user?.id ?? ''] });
    const adaCall = await ada.call(room.id);
    const bobCall = await bob.call(room.id);
    calls.push(adaCall, bobCall);
    await adaCall.join({ audio: false });
    await bobCall.join({ audio: false, video: false });
    await eventually(async () => ((await bobCall.stats())[adaId]?.videoFramesDecoded ?? 0) > 0, 'video before the change');

    const requested: string[] = [];
    const request = bob.request.bind(bob);
    bob.request = ((type, args) => {
      requested.push(type);
      return request(type, args);
    }) as typeof bob.request;
    const warnings: ParleyError[] = [];
    bobCall.on('warning', (w) => warnings.push(w));
    window.dispatchEvent(new Event('online'));
    await until(() => requested.filter((t) => t === 'call.transport.restartIce').length === 2, 'ICE restarts of both transports');
    const before = (await bobCall.stats())[adaId].videoFramesDecoded;
    await eventually(async () => (await bobCall.stats())[adaId].videoFramesDecoded > before + 10, 'frames keep arriving after the restart');
    expect(warnings).to.deep.equal([]);
    expect(bobCall.state.status).to.equal('joined');
  });

  it('lists devices, previews before joining, and switches the camera in a live call', async () => {
    const ada = await client(unique('ada'));
    const bob = await client(unique('bob'));
    open.push(ada, bob);
    const adaId = ada.state.user?.id ?? '';
    const room = await ada.createRoom({ kind: 'group', name: 'Devices', members: [bob.state.user?.id ?? ''] });
    const adaCall = await ada.call(room.id);
    const bobCall = await bob.call(room.id);
    calls.push(adaCall, bobCall);

    const preview = await adaCall.preview();
    expect(preview.getAudioTracks()).to.have.length(1);
    expect(preview.getVideoTracks()).to.have.length(1);
    for (const track of preview.getTracks()) track.stop();

    const devices = await adaCall.listDevices();
    const cameras = devices.filter((d) => d.kind === 'videoinput');
    expect(cameras.length, 'Chromium’s fake cameras').to.be.greaterThan(0);
    expect(devices.every((d) => typeof d.label === 'string' && typeof d.deviceId === 'string')).to.equal(true);

    await adaCall.join({ audio: false });
    await bobCall.join({ audio: false, video: false });
    const first = adaCall.state.self.video.track;
    await eventually(async () => ((await bobCall.stats())[adaId]?.videoFramesDecoded ?? 0) > 0, 'video before the switch');
    const other = cameras.at(-1)?.deviceId ?? '';
    await adaCall.selectDevice('videoinput', other);
    expect(adaCall.state.self.devices.videoinput).to.equal(other);
    expect(adaCall.state.self.video.track).not.to.equal(first);
    expect(first?.readyState).to.equal('ended', 'the old camera track is released');
    const before = (await bobCall.stats())[adaId].videoFramesDecoded;
    await eventually(async () => (await bobCall.stats())[adaId].videoFramesDecoded > before + 10, 'video keeps arriving from the new camera');
  });

  it('measures connection quality every 3 s on the client’s own timers', async () => {
    // The client's timers, counting the rounds of the call's quality sampling (nothing else here waits 3 s).
    let rounds = 0;
    const timers: Timers = {
      setTimeout: (callback, ms) =>
        setTimeout(() => {
          if (ms === 3_000) rounds++;
          callback();
        }, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    const ada = await client(unique('ada'), { timers });
    const bob = await client(unique('bob'));
    open.push(ada, bob);
    const bobId = bob.state.user?.id ?? '';
    const room = await ada.createRoom({ kind: 'group', name: 'Quality', members: [bobId] });
    await until(() => bob.state.rooms[room.id] !== undefined, 'bob sees the room');
    const adaCall = await ada.call(room.id);
    const bobCall = await bob.call(room.id);
    calls.push(adaCall, bobCall);
    await adaCall.join();
    await bobCall.join();
    await until(() => rounds >= 2, 'two rounds of quality sampling on the client’s timers');
    expect(adaCall.state.participants[bobId]?.quality).to.be.oneOf(['good', 'poor', 'lost']);
  });

  it('a non-member cannot join: the call fails with a typed error', async () => {
    const ada = await client(unique('ada'));
    const eve = await client(unique('eve'));
    open.push(ada, eve);
    const room = await ada.createRoom({ kind: 'group', name: 'Private' });
    const call = await eve.call(room.id);
    calls.push(call);
    let error: ParleyError | null = null;
    await call.join().catch((e: ParleyError) => (error = e));
    expect(error).to.have.property('code', 'not_found');
    expect(call.state.status).to.equal('failed');
    expect(call.state.error?.code).to.equal('not_found');
    expect((await gauges()).calls_active).to.equal(0);
  });

  it('without a camera the call goes on audio-only, with a no_device warning', async () => {
    const devices = navigator.mediaDevices;
    const noCamera = {
      getUserMedia: (constraints: MediaStreamConstraints) =>
        constraints.video ? Promise.reject(new DOMException('Requested device not found', 'NotFoundError')) : devices.getUserMedia(constraints),
      enumerateDevices: () => devices.enumerateDevices(),
    } as unknown as MediaDevices;
    const ada = await client(unique('ada'), { mediaDevices: noCamera });
    const bob = await client(unique('bob'));
    open.push(ada, bob);
    const adaId = ada.state.user?.id ?? '';
    const room = await ada.createRoom({ kind: 'group', name: 'Audio', members: [bob.state.user?.id ?? ''] });
    const adaCall = await ada.call(room.id);
    const bobCall = await bob.call(room.id);
    calls.push(adaCall, bobCall);
    const warnings: ParleyError[] = [];
    adaCall.on('warning', (w) => warnings.push(w));
    await adaCall.join({ audio: true, video: true });
    expect(warnings.map((w) => w.code)).to.deep.equal(['no_device']);
    expect(adaCall.state.self.video.muted).to.equal(true);
    expect(adaCall.state.self.audio.muted).to.equal(false);

    await bobCall.join();
    await until(() => !!bobCall.state.participants[adaId]?.audio.track, 'bob gets ada’s audio');
    expect(bobCall.state.participants[adaId].video.muted).to.equal(true);
    await eventually(async () => (await bobCall.stats())[adaId].audioBytesReceived > 0, 'bob receives ada’s audio');
    // A canvas can be shared in place of a screen.
    await adaCall.shareScreen(true, { track: canvasTrack() });
    await until(() => !!bobCall.state.participants[adaId]?.screen.track, 'bob gets ada’s canvas');
    await eventually(async () => (await bobCall.stats())[adaId].screenFramesDecoded > 0, 'bob decodes the canvas');
    // Turning the camera on explicitly fails with the typed error.
    let error: ParleyError | null = null;
    await adaCall.setCamera(true).catch((e: ParleyError) => (error = e));
    expect(error).to.have.property('code', 'no_device');
  });
});
