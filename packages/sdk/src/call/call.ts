/**
 * The `Call` API: one room's audio/video call through the server's SFU, on
 * top of mediasoup-client. Get a handle with `await client.call(roomId)`;
 * this module (and mediasoup-client with it) is loaded on that first use,
 * so chat-only pages never download it. The state shape, options and events
 * are in `call-types.ts`; the README's "Calls" section is the tour.
 *
 * ```ts
 * const call = await client.call(room.id);
 * call.subscribe((state) => render(state));        // also in client.store: state.calls[room.id]
 * await call.join({ audio: true, video: true });  // camera missing → joins audio-only, `warning` event
 * await call.setMicrophone(false);                  // others see audio.muted
 * await call.shareScreen(true);
 * await call.leave();
 * ```
 *
 * Signalling runs over the chat connection (`call.*` requests and events).
 * When that connection drops, the server ends this client's part of the
 * call; the call shows `reconnecting` and joins again when the connection
 * is back, with the same microphone, camera and screen. A `call.rejoin`
 * event (the server lost its media worker) does the same. A media path that
 * breaks while the chat connection stays (network change) gets an ICE restart.
 *
 * This class is the state machine and the user's media; the media of one
 * join is a `MediaSession` (`media-session.ts`), the others are `Peers`
 * (`peers.ts`), quality is measured by `quality-sampler.ts` and rejoining
 * is `reconnect.ts`.
 */
import type { ConnectionStatus } from '../engine/engine.js';
import { ParleyError } from '../errors.js';
import { Emitter } from '../events.js';
import type { Listener } from '../events.js';
import type { CallEventFrame, CallParticipantInfo, CallSource } from '../protocol/calls.js';
import { ErrorCode } from '../protocol/codes.js';
import { toCallError } from './call-errors.js';
import type { CallHost } from './call-host.js';
import type {
  CallDevice,
  CallDeviceSelection,
  CallEndReason,
  CallEvents,
  CallJoinOptions,
  CallMediaStats,
  CallQuality,
  CallSelf,
  CallState,
  CallStatus,
  ShareScreenOptions,
} from './call-types.js';
import { MediaAccess } from './media-access.js';
import { MediaSession } from './media-session.js';
import type { MediaSessionHost } from './media-session.js';
import { mediaState, Peers } from './peers.js';
import { QualitySampler, receivedStats } from './quality-sampler.js';
import { rejoin } from './reconnect.js';

const IN_CALL: ReadonlySet<CallStatus> = new Set<CallStatus>(['joining', 'joined', 'reconnecting']);

/** One room's call; see the module comment. Get it with `client.call(roomId)`. */
export class Call {
  /** The room whose call this is. */
  readonly room: string;

  private readonly host: CallHost;
  private readonly media: MediaAccess;
  private readonly events = new Emitter<CallEvents>();
  private readonly sessionHost: MediaSessionHost;
  private readonly peers = new Peers();
  private status: CallStatus = 'idle';
  private error: ParleyError | null = null;
  private session: MediaSession | null = null;
  private sampler: QualitySampler | null = null;
  /** Bumped by every join, leave and reconnect, so work of an older one stops touching state. */
  private epoch = 0;
  /** The epoch whose `call.join` was answered: events count from then on. */
  private joinedEpoch = -1;
  private activeSpeaker: string | null = null;
  private speaking: ReadonlySet<string> = new Set();
  private canProduce = true;
  private selfQuality: CallQuality = 'good';
  /** What the user wants on (kept across reconnects; set before joining for the pre-join screen). */
  private micOn = true;
  private cameraOn = true;
  private readonly local: Record<CallSource, MediaStreamTrack | null> = { mic: null, camera: null, screen: null };
  private readonly devices: CallDeviceSelection = { audioinput: null, videoinput: null };
  private joining: Promise<void> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  /** @internal Created by `client.call()`. */
  constructor(room: string, host: CallHost) {
    this.room = room;
    this.host = host;
    this.media = new MediaAccess(host.media);
    this.sessionHost = {
      room,
      timers: host.timers,
      request: (type, args) => host.request(type, args),
      wanted: (producer) => this.peers.sends(producer),
      changed: () => this.publish(),
      warn: (error) => this.events.emit('warning', error),
      sendStateChanged: (state) => {
        this.selfQuality = state === 'failed' || state === 'disconnected' ? 'lost' : this.selfQuality;
        this.publish();
      },
    };
    this.publish();
  }

  /** The call's current state (same as `client.state.calls[room]`). */
  get state(): CallState {
    return this.host.store.getState().calls[this.room] ?? this.snapshot();
  }

  /** Calls `listener` whenever this call's state changes; returns the unsubscribe function. */
  subscribe(listener: (state: CallState) => void): () => void {
    return this.host.store.subscribe((s) => s.calls[this.room], (state) => {
      if (state) listener(state);
    });
  }

  /** Listens to `warning` and `ended`; returns the unsubscribe function. */
  on<K extends keyof CallEvents>(event: K, listener: Listener<CallEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  /**
   * Joins the call with the microphone and camera (both by default; a
   * string picks a device). Media that cannot be opened does not stop the
   * join: no camera → audio only, no microphone → listen only, each with a
   * `warning` event. Rejects with `call_full`, `call_unavailable`,
   * `not_member`/`not_found`, `unsupported_browser`; the state is then
   * `failed` with that `error`. Joining while already in the call does nothing.
   */
  join(options: CallJoinOptions = {}): Promise<void> {
    if (IN_CALL.has(this.status)) return this.joining ?? Promise.resolve();
    if (options.audio !== undefined) this.micOn = options.audio !== false;
    if (options.video !== undefined) this.cameraOn = options.video !== false;
    if (typeof options.audio === 'string') this.devices.audioinput = options.audio;
    if (typeof options.video === 'string') this.devices.videoinput = options.video;
    this.setStatus('joining', null);
    const joining = this.start().finally(() => {
      if (this.joining === joining) this.joining = null;
    });
    this.joining = joining;
    return joining;
  }

  /** Leaves the call: stops this client's media and frees the server's resources for it. */
  async leave(): Promise<void> {
    if (!IN_CALL.has(this.status)) return;
    this.epoch++;
    this.closeSession();
    this.releaseLocalMedia();
    this.peers.clear();
    this.activeSpeaker = null;
    this.speaking = new Set();
    this.setStatus('left', null);
    await this.host.request('call.leave', { room: this.room }).catch(() => undefined);
  }

  /**
   * Turns the microphone on or off (off pauses it: the others see
   * `audio.muted`). Before joining it only sets what `join()` starts with.
   * Rejects with `permission_denied` or `no_device` when it cannot be opened.
   */
  setMicrophone(on: boolean): Promise<void> {
    return this.serial(async () => {
      if (!IN_CALL.has(this.status)) {
        this.micOn = on;
        this.publish();
        return;
      }
      const session = this.session;
      if (on) {
        this.local.mic ??= await this.media.microphone(this.devices.audioinput);
        this.local.mic.enabled = true;
        this.micOn = true;
        this.publish();
        const producer = session?.producers.get('mic');
        if (producer) {
          producer.resume();
          await this.host.request('call.producer.resume', { room: this.room, producerId: producer.id });
        } else if (session) {
          await session.produce('mic', this.local.mic, false);
        }
      } else {
        this.micOn = false;
        if (this.local.mic) this.local.mic.enabled = false;
        this.publish();
        const producer = session?.producers.get('mic');
        if (producer && !producer.paused) {
          producer.pause();
          await this.host.request('call.producer.pause', { room: this.room, producerId: producer.id });
        }
      }
    });
  }

  /**
   * Turns the camera on or off (off releases the camera; the others see
   * `video.muted` and lose the track). Before joining it only sets what
   * `join()` starts with. Rejects with `permission_denied` or `no_device`.
   */
  setCamera(on: boolean): Promise<void> {
    return this.serial(async () => {
      if (!IN_CALL.has(this.status)) {
        this.cameraOn = on;
        this.publish();
        return;
      }
      if (on) {
        this.local.camera ??= await this.media.camera(this.devices.videoinput);
        this.cameraOn = true;
        this.publish();
        const session = this.session;
        if (session && !session.producers.has('camera')) await session.produce('camera', this.local.camera, false);
      } else {
        this.cameraOn = false;
        await this.stopSource('camera');
      }
    });
  }

  /**
   * Shares a screen (the browser asks which), or `options.track` instead;
   * `false` stops sharing. Sharing also stops when the user ends it in the
   * browser's own UI. Needs a joined call; rejects with `permission_denied`
   * when the user cancels the picker.
   */
  shareScreen(on: boolean, options: ShareScreenOptions = {}): Promise<void> {
    return this.serial(async () => {
      if (!on) {
        await this.stopSource('screen');
        return;
      }
      const session = this.session;
      if (this.status !== 'joined' || !session) throw new ParleyError(ErrorCode.Conflict, 'join the call before sharing a screen');
      if (!session.send) throw new ParleyError(ErrorCode.Forbidden, 'you may not send media in this room');
      if (this.local.screen) return;
      const track = options.track ?? (await this.media.screen());
      if ('contentHint' in track) track.contentHint = 'detail';
      track.addEventListener('ended', () => {
        if (this.local.screen === track) void this.shareScreen(false);
      });
      this.local.screen = track;
      this.publish();
      try {
        await session.produce('screen', track, false);
      } catch (error) {
        this.local.screen = null;
        track.stop();
        this.publish();
        throw error;
      }
    });
  }

  /**
   * Picks the microphone or camera to use (a `deviceId` from
   * `listDevices()`). A device in use is switched at once without
   * renegotiation; otherwise the choice applies when it is turned on.
   */
  selectDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    return this.serial(async () => {
      this.devices[kind] = deviceId;
      const source: CallSource = kind === 'audioinput' ? 'mic' : 'camera';
      const old = this.local[source];
      if (!old) {
        this.publish();
        return;
      }
      const track = source === 'mic' ? await this.media.microphone(deviceId) : await this.media.camera(deviceId);
      if (source === 'mic') track.enabled = this.micOn;
      this.local[source] = track;
      await this.session?.producers.get(source)?.replaceTrack({ track });
      old.stop();
      this.publish();
    });
  }

  /** Microphones, cameras and speakers (labels are empty until media permission was granted once). */
  listDevices(): Promise<CallDevice[]> {
    return this.media.list();
  }

  /**
   * A local stream for a pre-join check (the same constraints as the call
   * uses). The caller owns it: stop its tracks when done. Rejects only when
   * nothing could be opened.
   */
  preview(options: CallJoinOptions = {}): Promise<MediaStream> {
    return this.media.preview(options.audio ?? this.devices.audioinput ?? true, options.video ?? this.devices.videoinput ?? true);
  }

  /**
   * What this client has received from each other participant so far
   * (bytes of audio, decoded video frames), by user id: for diagnostics,
   * and for tests that must see media really arrive.
   */
  async stats(): Promise<Record<string, CallMediaStats>> {
    const session = this.session;
    return session ? receivedStats(session, this.peers) : {};
  }

  // ── called by the registry ────────────────────────────────────────────────

  /** @internal A `call.*` event for this room. */
  handle(frame: CallEventFrame): void {
    if (this.joinedEpoch !== this.epoch || !IN_CALL.has(this.status)) return;
    const me = this.host.me()?.id;
    switch (frame.type) {
      case 'call.participant.joined':
        if (frame.participant.user !== me) this.addPeer(frame.participant);
        break;
      case 'call.participant.left':
        if (frame.user === me) {
          this.ended(frame.reason === 'replaced' ? 'replaced' : 'removed', null);
          return;
        }
        this.removePeer(frame.user);
        break;
      case 'call.producer.added': {
        const peer = this.peers.peer(frame.producer.user);
        peer.producers.set(frame.producer.id, frame.producer);
        void this.session?.consume(frame.producer);
        break;
      }
      case 'call.producer.removed':
        this.peers.get(frame.user)?.producers.delete(frame.producerId);
        this.dropConsumer(frame.producerId);
        break;
      case 'call.producer.paused':
      case 'call.producer.resumed': {
        const producer = this.peers.get(frame.user)?.producers.get(frame.producerId);
        if (producer) producer.paused = frame.type === 'call.producer.paused';
        break;
      }
      case 'call.activeSpeaker':
        this.activeSpeaker = frame.user;
        this.speaking = new Set(frame.speaking);
        break;
      case 'call.rejoin':
        void this.reconnect(new ParleyError(ErrorCode.Unavailable, frame.reason, { retryable: true }));
        return;
    }
    this.publish();
  }

  /** @internal The chat connection's status changed. */
  connectionChanged(status: ConnectionStatus): void {
    if (!IN_CALL.has(this.status)) return;
    if (status === 'online') {
      if (this.status === 'reconnecting' && !this.session && !this.joining) void this.reconnect(null);
    } else if (status === 'idle') {
      // The application disconnected: nothing will bring the call back.
      this.ended('disconnected', null);
    } else if (status === 'failed') {
      this.ended('failed', this.host.store.getState().lastError ?? new ParleyError('offline', 'the connection to the server failed'));
    } else if (status === 'offline' || status === 'connecting') {
      if (this.session || this.status === 'joined') this.suspend();
    }
  }

  /** @internal The device's network changed (`online` event): restart ICE on live transports. */
  networkChanged(): void {
    this.session?.networkChanged();
  }

  // ── joining ───────────────────────────────────────────────────────────────

  private async start(): Promise<void> {
    const epoch = ++this.epoch;
    try {
      await this.openSession(epoch);
    } catch (error) {
      if (epoch !== this.epoch || !IN_CALL.has(this.status)) throw toCallError(error);
      const failure = toCallError(error);
      this.closeSession();
      this.releaseLocalMedia();
      this.setStatus('failed', failure);
      throw failure;
    }
    this.setStatus('joined', null);
    await this.serial(() => this.startMedia());
  }

  /** `call.join`, then the media session, and consumers for what the others already send; `epoch` is this attempt's. */
  private async openSession(epoch: number): Promise<void> {
    if (typeof RTCPeerConnection === 'undefined') {
      throw new ParleyError('unsupported_browser', 'calls need WebRTC (RTCPeerConnection), which this runtime lacks');
    }
    const joined = await this.host.request('call.join', { room: this.room });
    if (epoch !== this.epoch) throw this.overtaken(epoch);
    // Events count from the answer on (the server sends none before it).
    this.joinedEpoch = epoch;
    this.canProduce = joined.canProduce;
    this.peers.clear();
    const me = this.host.me()?.id;
    for (const participant of joined.participants) if (participant.user !== me) this.addPeer(participant);
    this.publish();

    const session = await MediaSession.open(this.sessionHost, joined, () => (epoch !== this.epoch ? this.overtaken(epoch) : null));
    this.session = session;
    this.sampler = new QualitySampler(
      {
        session,
        peers: this.peers,
        self: (quality) => {
          this.selfQuality = quality;
        },
        measured: () => {
          if (this.session === session) this.publish();
        },
      },
      this.host.timers,
    );
    this.sampler.start();
    for (const peer of this.peers.values()) for (const producer of peer.producers.values()) void session.consume(producer);
  }

  /** A join overtaken by leave() or a reconnect: tells the caller without touching the newer state. */
  private overtaken(epoch: number): ParleyError {
    return new ParleyError('aborted', `the call join ${epoch} was overtaken by leave() or a reconnect`);
  }

  /** After (re)joining: open and send what the user wants on; failures become warnings. */
  private async startMedia(): Promise<void> {
    const session = this.session;
    if (!session || this.status !== 'joined') return;
    if (!session.send) {
      // Listen only (broadcast room, muted member): release anything opened before.
      this.micOn = false;
      this.cameraOn = false;
      this.releaseLocalMedia();
      this.publish();
      return;
    }
    for (const source of ['mic', 'camera', 'screen'] as const) {
      const wanted = source === 'mic' ? this.micOn || this.local.mic !== null : source === 'camera' ? this.cameraOn : this.local.screen !== null;
      if (!wanted) continue;
      try {
        let track = this.local[source];
        if (!track && source !== 'screen') {
          track = source === 'mic' ? await this.media.microphone(this.devices.audioinput) : await this.media.camera(this.devices.videoinput);
          if (this.session !== session) {
            track.stop();
            return;
          }
          this.local[source] = track;
        }
        if (!track) continue;
        if (source === 'mic') track.enabled = this.micOn;
        this.publish();
        await session.produce(source, track, source === 'mic' && !this.micOn);
      } catch (error) {
        if (this.session !== session) return;
        const failure = toCallError(error);
        if (source === 'mic') this.micOn = false;
        if (source === 'camera') this.cameraOn = false;
        this.local[source]?.stop();
        this.local[source] = null;
        this.publish();
        this.events.emit('warning', failure);
      }
    }
  }

  /** Closes one of our producers (camera off, screen share ended) and stops its track. */
  private async stopSource(source: CallSource): Promise<void> {
    const track = this.local[source];
    this.local[source] = null;
    track?.stop();
    const producer = this.session?.closeProducer(source);
    this.publish();
    if (producer) await this.host.request('call.producer.close', { room: this.room, producerId: producer.id }).catch(() => undefined);
  }

  // ── peers ─────────────────────────────────────────────────────────────────

  private addPeer(info: CallParticipantInfo): void {
    for (const producer of this.peers.add(info)) void this.session?.consume(producer);
  }

  private removePeer(user: string): void {
    for (const id of this.peers.remove(user)) this.dropConsumer(id);
  }

  private dropConsumer(producerId: string): void {
    this.session?.dropConsumer(producerId);
    this.sampler?.forget(producerId);
  }

  // ── reconnecting and ending ───────────────────────────────────────────────

  /** The chat connection dropped: the server ended our part; wait for `online`, then rejoin. */
  private suspend(): void {
    this.epoch++;
    this.closeSession();
    this.peers.clear();
    this.activeSpeaker = null;
    this.speaking = new Set();
    this.setStatus('reconnecting', this.error);
  }

  /** Joins again with the same media: after a reconnect, or when the server says `call.rejoin`. */
  private async reconnect(reason: ParleyError | null): Promise<void> {
    this.suspend();
    if (reason) this.setStatus('reconnecting', reason);
    if (this.host.store.getState().connection !== 'online') return;
    const epoch = ++this.epoch;
    const joining = (async () => {
      const outcome = await rejoin({
        attempt: () => this.openSession(epoch),
        current: () => epoch === this.epoch && this.status === 'reconnecting',
        online: () => this.host.store.getState().connection === 'online',
        timers: this.host.timers,
      });
      if (outcome === 'dropped') return;
      if (outcome !== 'joined') {
        this.ended('failed', outcome);
        return;
      }
      this.setStatus('joined', null);
      await this.serial(() => this.startMedia());
    })().finally(() => {
      if (this.joining === joining) this.joining = null;
    });
    this.joining = joining;
    await joining;
  }

  /** The call ended without `leave()`. */
  private ended(reason: CallEndReason, error: ParleyError | null): void {
    this.epoch++;
    this.closeSession();
    this.releaseLocalMedia();
    this.peers.clear();
    this.activeSpeaker = null;
    this.speaking = new Set();
    this.setStatus(reason === 'failed' ? 'failed' : 'left', error);
    this.events.emit('ended', { reason, error });
  }

  private closeSession(): void {
    const session = this.session;
    this.session = null;
    this.sampler?.stop();
    this.sampler = null;
    session?.close();
  }

  private releaseLocalMedia(): void {
    for (const source of ['mic', 'camera', 'screen'] as const) {
      this.local[source]?.stop();
      this.local[source] = null;
    }
  }

  // ── state ─────────────────────────────────────────────────────────────────

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private setStatus(status: CallStatus, error: ParleyError | null): void {
    this.status = status;
    this.error = error;
    this.publish();
  }

  private publish(): void {
    this.host.publish(this.room, this.snapshot());
  }

  private snapshot(): CallState {
    const me = this.host.me();
    const self: CallSelf = {
      id: me?.id ?? '',
      name: me?.name ?? '',
      // Before joining, muted says what join() starts with; in the call, whether it is really sent.
      audio: mediaState(!this.micOn || (IN_CALL.has(this.status) && this.local.mic === null), this.local.mic),
      video: mediaState(!this.cameraOn || (IN_CALL.has(this.status) && this.local.camera === null), this.local.camera),
      screen: this.local.screen ? { track: this.local.screen } : {},
      speaking: me ? this.speaking.has(me.id) : false,
      quality: this.selfQuality,
      devices: { ...this.devices },
      canProduce: this.canProduce,
    };
    return {
      room: this.room,
      status: this.status,
      participants: this.peers.participants((producerId) => this.session?.consumers.get(producerId)?.track ?? null, this.speaking),
      self,
      activeSpeaker: this.activeSpeaker,
      error: this.error,
    };
  }
}
