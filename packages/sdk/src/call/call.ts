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
 */
import { Device } from 'mediasoup-client';
import type { Consumer, Producer, Transport, TransportOptions } from 'mediasoup-client/types';
import type { ConnectionStatus } from '../engine/engine.js';
import { ParleyError, toParleyError } from '../errors.js';
import { Emitter } from '../events.js';
import type { Listener } from '../events.js';
import { MediaAccess } from './media-access.js';
import type { MediaDevicesLike } from './media-access.js';
import type {
  CallEventFrame,
  CallIceServer,
  CallParticipantInfo,
  CallProducerInfo,
  CallSource,
  TransportDirection,
} from '../protocol/calls.js';
import { ErrorCode } from '../protocol/codes.js';
import type { EventFrame, RequestArgs, RequestResult, RequestType } from '../protocol/frames.js';
import type { UserInfo } from '../protocol/model.js';
import type { ReadableStore } from '../store/store.js';
import { receiveQuality, receiveSample, sendQuality, sendSample, statCounter } from './call-quality.js';
import type { ReceiveSample } from './call-quality.js';
import type {
  CallDevice,
  CallDeviceSelection,
  CallEndReason,
  CallEvents,
  CallJoinOptions,
  CallMediaStats,
  CallParticipant,
  CallQuality,
  CallSelf,
  CallState,
  CallStatus,
  ShareScreenOptions,
} from './call-types.js';

export type * from './call-types.js';

/** The part of the client's state calls read. */
export interface CallsSlice {
  readonly connection: ConnectionStatus;
  readonly lastError: ParleyError | null;
  readonly calls: Readonly<Record<string, CallState>>;
}

/** What a call needs from the client (given by `client.call()`). */
export interface CallHost {
  /** The signed-in user (null before the first connection). */
  me(): UserInfo | null;
  request<T extends RequestType>(type: T, args: RequestArgs<T>): Promise<RequestResult<T>>;
  /** Subscribes to the server's events; returns the unsubscribe function. */
  onEvent(listener: (frame: EventFrame) => void): () => void;
  store: ReadableStore<CallsSlice>;
  /** Writes one call's state into `state.calls`. */
  publish(room: string, state: CallState): void;
  /** Where microphones, cameras and screens come from (default: `navigator.mediaDevices`). */
  media?: MediaDevicesLike | null;
}

/** How often connection quality is measured. */
const QUALITY_INTERVAL_MS = 3_000;
/** A transport still `disconnected` this long after it dropped gets an ICE restart. */
const ICE_RESTART_DELAY_MS = 2_000;

/** Joins a rejoin tries when the server answers `call_unavailable` with a `retryAfterMs`. */
const REJOIN_ATTEMPTS = 4;
/** Longest wait between those tries (ms), whatever the server suggests. */
const MAX_REJOIN_WAIT_MS = 5_000;

/** The media of one join: thrown away on leave, reconnect or rejoin. */
interface Session {
  device: Device;
  recv: Transport;
  send: Transport | null;
  producers: Map<CallSource, Producer>;
  /** By producer id. */
  consumers: Map<string, Consumer>;
  /** Producer ids being consumed right now. */
  consuming: Set<string>;
  samples: Map<string, ReceiveSample>;
  timers: Array<ReturnType<typeof setTimeout>>;
  restarting: Set<string>;
}

/** Another participant as this client knows them. */
interface Peer {
  id: string;
  name: string;
  producers: Map<string, CallProducerInfo>;
  quality: CallQuality;
}

const IN_CALL: ReadonlySet<CallStatus> = new Set<CallStatus>(['joining', 'joined', 'reconnecting']);

/** One room's call; see the module comment. Get it with `client.call(roomId)`. */
export class Call {
  /** The room whose call this is. */
  readonly room: string;

  private readonly host: CallHost;
  private readonly media: MediaAccess;
  private readonly events = new Emitter<CallEvents>();
  private status: CallStatus = 'idle';
  private error: ParleyError | null = null;
  private session: Session | null = null;
  /** Bumped by every join, leave and reconnect, so work of an older one stops touching state. */
  private epoch = 0;
  /** The epoch whose `call.join` was answered: events count from then on. */
  private joinedEpoch = -1;
  private peers = new Map<string, Peer>();
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
          await this.produce(session, 'mic', this.local.mic, false);
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
        if (session && !session.producers.has('camera')) await this.produce(session, 'camera', this.local.camera, false);
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
        await this.produce(session, 'screen', track, false);
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
    const out: Record<string, CallMediaStats> = {};
    const session = this.session;
    if (!session) return out;
    for (const peer of this.peers.values()) {
      const entry: CallMediaStats = { audioBytesReceived: 0, videoFramesDecoded: 0, screenFramesDecoded: 0 };
      for (const producer of peer.producers.values()) {
        const consumer = session.consumers.get(producer.id);
        if (!consumer) continue;
        const report = await consumer.getStats();
        if (producer.source === 'mic') entry.audioBytesReceived += statCounter(report, 'inbound-rtp', 'bytesReceived');
        else if (producer.source === 'camera') entry.videoFramesDecoded += statCounter(report, 'inbound-rtp', 'framesDecoded');
        else entry.screenFramesDecoded += statCounter(report, 'inbound-rtp', 'framesDecoded');
      }
      out[peer.id] = entry;
    }
    return out;
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
        const peer = this.peer(frame.producer.user);
        peer.producers.set(frame.producer.id, frame.producer);
        if (this.session) void this.consume(this.session, frame.producer);
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
    const session = this.session;
    if (!session) return;
    for (const transport of [session.recv, session.send]) if (transport) void this.restartIce(session, transport);
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

  /** `call.join`, the device, the transports, and consumers for what the others already send; `epoch` is this attempt's. */
  private async openSession(epoch: number): Promise<void> {
    if (typeof RTCPeerConnection === 'undefined') {
      throw new ParleyError('unsupported_browser', 'calls need WebRTC (RTCPeerConnection), which this runtime lacks');
    }
    const joined = await this.host.request('call.join', { room: this.room });
    if (epoch !== this.epoch) return this.abandon(epoch);
    // Events count from the answer on (the server sends none before it).
    this.joinedEpoch = epoch;
    this.canProduce = joined.canProduce;
    this.peers.clear();
    const me = this.host.me()?.id;
    for (const participant of joined.participants) if (participant.user !== me) this.addPeer(participant);
    this.publish();

    let device: Device;
    try {
      device = await Device.factory();
      await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities });
    } catch (error) {
      void this.host.request('call.leave', { room: this.room }).catch(() => undefined);
      throw new ParleyError('unsupported_browser', `this browser cannot take part in calls: ${errorText(error)}`, { cause: error });
    }
    if (epoch !== this.epoch) return this.abandon(epoch);
    const recv = await this.createTransport(device, 'recv', joined.iceServers);
    if (epoch !== this.epoch) {
      recv.close();
      return this.abandon(epoch);
    }
    let send: Transport | null = null;
    if (joined.canProduce && (device.canProduce('audio') || device.canProduce('video'))) {
      send = await this.createTransport(device, 'send', joined.iceServers).catch((error: unknown) => {
        recv.close();
        throw error;
      });
      if (epoch !== this.epoch) {
        recv.close();
        send.close();
        return this.abandon(epoch);
      }
    }
    const session: Session = {
      device,
      recv,
      send,
      producers: new Map(),
      consumers: new Map(),
      consuming: new Set(),
      samples: new Map(),
      timers: [],
      restarting: new Set(),
    };
    this.session = session;
    for (const transport of [recv, send]) {
      transport?.on('connectionstatechange', (state) => this.transportStateChanged(session, transport, state));
    }
    session.timers.push(setInterval(() => void this.measureQuality(session), QUALITY_INTERVAL_MS));
    for (const peer of this.peers.values()) for (const producer of peer.producers.values()) void this.consume(session, producer);
  }

  /** A join overtaken by leave() or a reconnect: tell the caller without touching the newer state. */
  private abandon(epoch: number): never {
    throw new ParleyError('aborted', `the call join ${epoch} was overtaken by leave() or a reconnect`);
  }

  private async createTransport(device: Device, direction: TransportDirection, iceServers: CallIceServer[]): Promise<Transport> {
    const params = await this.host.request('call.transport.create', { room: this.room, direction });
    const options = { ...params, iceServers } as unknown as TransportOptions;
    const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, done, fail) => {
      this.host
        .request('call.transport.connect', {
          room: this.room,
          transportId: transport.id,
          dtlsParameters,
        })
        .then(() => done(), fail);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, done, fail) => {
        const { source, paused } = appData as { source: CallSource; paused: boolean };
        this.host
          .request('call.produce', {
            room: this.room,
            transportId: transport.id,
            kind,
            rtpParameters,
            source,
            paused,
          })
          .then(({ producerId }) => done({ id: producerId }), fail);
      });
    }
    return transport;
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
        await this.produce(session, source, track, source === 'mic' && !this.micOn);
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

  private async produce(session: Session, source: CallSource, track: MediaStreamTrack, paused: boolean): Promise<void> {
    if (!session.send) throw new ParleyError(ErrorCode.Forbidden, 'you may not send media in this room');
    const producer = await session.send.produce({
      track,
      stopTracks: false,
      appData: { source, paused },
      ...(source === 'mic' ? { codecOptions: { opusDtx: true, opusFec: true } } : {}),
    });
    if (this.session !== session) {
      producer.close();
      return;
    }
    // The server created it paused already; this only stops the local sender.
    if (paused) producer.pause();
    session.producers.set(source, producer);
    this.publish();
  }

  /** Closes one of our producers (camera off, screen share ended) and stops its track. */
  private async stopSource(source: CallSource): Promise<void> {
    const session = this.session;
    const producer = session?.producers.get(source);
    const track = this.local[source];
    this.local[source] = null;
    track?.stop();
    if (producer && session) {
      session.producers.delete(source);
      producer.close();
    }
    this.publish();
    if (producer) await this.host.request('call.producer.close', { room: this.room, producerId: producer.id }).catch(() => undefined);
  }

  private async consume(session: Session, producer: CallProducerInfo): Promise<void> {
    if (session.consumers.has(producer.id) || session.consuming.has(producer.id)) return;
    session.consuming.add(producer.id);
    try {
      const params = await this.host.request('call.consume', {
        room: this.room,
        transportId: session.recv.id,
        producerId: producer.id,
        rtpCapabilities: session.device.recvRtpCapabilities,
      });
      if (this.session !== session) return;
      const consumer = await session.recv.consume({
        id: params.id,
        producerId: params.producerId,
        kind: params.kind,
        rtpParameters: params.rtpParameters as unknown as Consumer['rtpParameters'],
        streamId: `${params.user}-${params.source}`,
      });
      if (this.session !== session || !this.peers.get(producer.user)?.producers.has(producer.id)) {
        consumer.close();
        return;
      }
      session.consumers.set(producer.id, consumer);
      this.publish();
      await this.host.request('call.consumer.resume', { room: this.room, consumerId: consumer.id });
    } catch (error) {
      // The producer may have gone meanwhile (not_found); anything else is worth a warning.
      if (this.session === session && !(error instanceof ParleyError && error.code === ErrorCode.NotFound)) {
        this.events.emit('warning', toCallError(error));
      }
    } finally {
      session.consuming.delete(producer.id);
    }
  }

  private dropConsumer(producerId: string): void {
    const consumer = this.session?.consumers.get(producerId);
    if (!consumer) return;
    this.session?.consumers.delete(producerId);
    this.session?.samples.delete(producerId);
    consumer.close();
  }

  // ── peers ─────────────────────────────────────────────────────────────────

  private peer(user: string): Peer {
    let peer = this.peers.get(user);
    if (!peer) this.peers.set(user, (peer = { id: user, name: user, producers: new Map(), quality: 'good' }));
    return peer;
  }

  private addPeer(info: CallParticipantInfo): void {
    const peer = this.peer(info.user);
    peer.name = info.name;
    for (const producer of info.producers) {
      peer.producers.set(producer.id, { ...producer });
      if (this.session) void this.consume(this.session, producer);
    }
  }

  private removePeer(user: string): void {
    const peer = this.peers.get(user);
    if (!peer) return;
    for (const id of peer.producers.keys()) this.dropConsumer(id);
    this.peers.delete(user);
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
      for (let attempt = 1; ; attempt++) {
        try {
          await this.openSession(epoch);
          break;
        } catch (error) {
          if (epoch !== this.epoch || this.status !== 'reconnecting') return;
          const failure = toCallError(error);
          // A connection lost meanwhile brings us back here when it returns.
          if (failure.retryable && this.host.store.getState().connection !== 'online') return;
          // The server said when to try again (e.g. the node hosting the call just died): a few times.
          if (failure.code === 'call_unavailable' && failure.retryAfterMs !== undefined && attempt < REJOIN_ATTEMPTS) {
            await new Promise((resolve) => setTimeout(resolve, Math.min(failure.retryAfterMs!, MAX_REJOIN_WAIT_MS)));
            if (epoch !== this.epoch || this.status !== 'reconnecting') return;
            continue;
          }
          this.ended('failed', failure);
          return;
        }
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
    if (!session) return;
    for (const timer of session.timers) clearTimeout(timer);
    // Closing a transport closes its producers and consumers; our tracks stay (stopTracks: false).
    session.recv.close();
    session.send?.close();
  }

  private releaseLocalMedia(): void {
    for (const source of ['mic', 'camera', 'screen'] as const) {
      this.local[source]?.stop();
      this.local[source] = null;
    }
  }

  // ── network health ────────────────────────────────────────────────────────

  private transportStateChanged(session: Session, transport: Transport, state: string): void {
    if (this.session !== session) return;
    if (state === 'failed') void this.restartIce(session, transport);
    else if (state === 'disconnected') {
      session.timers.push(
        setTimeout(() => {
          if (transport.connectionState === 'disconnected') void this.restartIce(session, transport);
        }, ICE_RESTART_DELAY_MS),
      );
    }
    if (transport === session.send) {
      this.selfQuality = state === 'failed' || state === 'disconnected' ? 'lost' : this.selfQuality;
      this.publish();
    }
  }

  private async restartIce(session: Session, transport: Transport): Promise<void> {
    if (session.restarting.has(transport.id) || transport.closed) return;
    session.restarting.add(transport.id);
    try {
      const { iceParameters } = await this.host.request('call.transport.restartIce', { room: this.room, transportId: transport.id });
      if (this.session === session && !transport.closed) {
        await transport.restartIce({ iceParameters: iceParameters as unknown as Parameters<Transport['restartIce']>[0]['iceParameters'] });
      }
    } catch (error) {
      if (this.session === session) this.events.emit('warning', toCallError(error));
    } finally {
      session.restarting.delete(transport.id);
    }
  }

  private async measureQuality(session: Session): Promise<void> {
    try {
      const recvConnected = session.recv.connectionState === 'connected';
      for (const peer of this.peers.values()) {
        let worst: CallQuality = 'good';
        for (const producer of peer.producers.values()) {
          const consumer = session.consumers.get(producer.id);
          if (!consumer) continue;
          const sample = receiveSample(await consumer.getStats());
          const quality = recvConnected ? receiveQuality(session.samples.get(producer.id) ?? null, sample, !producer.paused) : 'lost';
          session.samples.set(producer.id, sample);
          worst = rank(quality) > rank(worst) ? quality : worst;
        }
        peer.quality = worst;
      }
      if (session.send) {
        this.selfQuality = sendQuality(sendSample(await session.send.getStats()), session.send.connectionState === 'connected');
      } else {
        this.selfQuality = recvConnected ? 'good' : 'lost';
      }
    } catch {
      // Stats of a transport closed meanwhile: the next round (or the next session) measures again.
      return;
    }
    if (this.session === session) this.publish();
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
    const participants: Record<string, CallParticipant> = {};
    for (const peer of this.peers.values()) participants[peer.id] = this.participant(peer);
    const me = this.host.me();
    const self: CallSelf = {
      id: me?.id ?? '',
      name: me?.name ?? '',
      // Before joining, muted says what join() will start with; in the call, whether it is really sent.
      audio: media(!this.micOn || (IN_CALL.has(this.status) && this.local.mic === null), this.local.mic),
      video: media(!this.cameraOn || (IN_CALL.has(this.status) && this.local.camera === null), this.local.camera),
      screen: this.local.screen ? { track: this.local.screen } : {},
      speaking: me ? this.speaking.has(me.id) : false,
      quality: this.selfQuality,
      devices: { ...this.devices },
      canProduce: this.canProduce,
    };
    return {
      room: this.room,
      status: this.status,
      participants,
      self,
      activeSpeaker: this.activeSpeaker,
      error: this.error,
    };
  }

  private participant(peer: Peer): CallParticipant {
    const bySource = new Map<CallSource, CallProducerInfo>();
    for (const producer of peer.producers.values()) bySource.set(producer.source, producer);
    const track = (source: CallSource): MediaStreamTrack | null => {
      const producer = bySource.get(source);
      return (producer && this.session?.consumers.get(producer.id)?.track) ?? null;
    };
    const mic = bySource.get('mic');
    const camera = bySource.get('camera');
    const screen = track('screen');
    return {
      id: peer.id,
      name: peer.name,
      audio: media(!mic || mic.paused, track('mic')),
      video: media(!camera || camera.paused, track('camera')),
      screen: screen ? { track: screen } : {},
      speaking: this.speaking.has(peer.id),
      quality: peer.quality,
    };
  }
}

/** Owns the `Call` of each room for one client and routes events and connection changes to them. */
export class CallRegistry {
  private readonly calls = new Map<string, Call>();

  /** @internal Created by the client on the first `client.call()`. */
  constructor(private readonly host: CallHost) {
    host.onEvent((frame) => {
      if (isCallEvent(frame)) this.calls.get(frame.room)?.handle(frame);
    });
    host.store.subscribe(
      (s) => s.connection,
      (status) => {
        for (const call of this.calls.values()) call.connectionChanged(status);
      },
    );
    const win = (globalThis as { addEventListener?: (type: string, listener: () => void) => void }).addEventListener;
    win?.call(globalThis, 'online', () => {
      for (const call of this.calls.values()) call.networkChanged();
    });
  }

  /** The call of `room` (the same object for the same room). */
  get(room: string): Call {
    let call = this.calls.get(room);
    if (!call) this.calls.set(room, (call = new Call(room, this.host)));
    return call;
  }
}

function isCallEvent(frame: EventFrame): frame is CallEventFrame {
  return frame.type.startsWith('call.');
}

function media(muted: boolean, track: MediaStreamTrack | null): { muted: boolean; track?: MediaStreamTrack } {
  return track ? { muted, track } : { muted };
}

function rank(quality: CallQuality): number {
  return quality === 'good' ? 0 : quality === 'poor' ? 1 : 2;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Any failure as a typed error; mediasoup-client's `UnsupportedError` becomes `unsupported_browser`. */
function toCallError(error: unknown): ParleyError {
  if (error instanceof ParleyError) return error;
  if (error instanceof Error && error.name === 'UnsupportedError') {
    return new ParleyError('unsupported_browser', `this browser cannot take part in calls: ${error.message}`, { cause: error });
  }
  return toParleyError(error);
}
