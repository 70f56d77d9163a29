/**
 * The media of one join, on mediasoup-client: the device loaded with the
 * router's capabilities, a receive transport and (when the user may send) a
 * send transport, our producers, and consumers of what the others send. It
 * is thrown away whole on leave, reconnect or rejoin. A transport whose
 * connection breaks while the session lives (a network change) gets an ICE
 * restart.
 */
import { Device } from 'mediasoup-client';
import type { Consumer, Producer, Transport, TransportOptions } from 'mediasoup-client/types';
import { ParleyError } from '../errors.js';
import type { CallIceServer, CallProducerInfo, CallSource, TransportDirection } from '../protocol/calls.js';
import { ErrorCode } from '../protocol/codes.js';
import type { RequestResult } from '../protocol/frames.js';
import type { Timers } from '../transport/platform.js';
import { errorText, toCallError } from './call-errors.js';
import type { CallHost } from './call-host.js';

/** A transport still `disconnected` this long after it dropped gets an ICE restart. */
const ICE_RESTART_DELAY_MS = 2_000;

/** What a media session needs from its call. */
export interface MediaSessionHost {
  readonly room: string;
  readonly timers: Timers;
  request: CallHost['request'];
  /** Whether `producer` is still sent (checked once its consumer exists). */
  wanted(producer: CallProducerInfo): boolean;
  /** What the call shows changed: a consumer or one of our producers arrived. */
  changed(): void;
  /** A failure the call goes on after. */
  warn(error: ParleyError): void;
  /** The send transport's connection state changed. */
  sendStateChanged(state: string): void;
}

/** See the module comment. */
export class MediaSession {
  /** Our producers by source. */
  readonly producers = new Map<CallSource, Producer>();
  /** Consumers by producer id. */
  readonly consumers = new Map<string, Consumer>();
  /** Producer ids being consumed right now. */
  private readonly consuming = new Set<string>();
  /** Transport ids whose ICE restart is under way. */
  private readonly restarting = new Set<string>();
  private readonly timers: unknown[] = [];
  private ended = false;

  private constructor(
    private readonly host: MediaSessionHost,
    readonly device: Device,
    readonly recv: Transport,
    readonly send: Transport | null,
  ) {
    for (const transport of [recv, send]) {
      transport?.on('connectionstatechange', (state) => this.transportStateChanged(transport, state));
    }
  }

  /**
   * Loads the device and creates the transports for the server's answer to
   * `call.join`. After each step `overtaken()` says whether a leave or a
   * newer join made this one pointless: then what exists is closed and its
   * error thrown.
   */
  static async open(
    host: MediaSessionHost,
    joined: RequestResult<'call.join'>,
    overtaken: () => ParleyError | null,
  ): Promise<MediaSession> {
    const stopIfOvertaken = (...transports: Array<Transport | null>): void => {
      const error = overtaken();
      if (!error) return;
      for (const transport of transports) transport?.close();
      throw error;
    };
    let device: Device;
    try {
      device = await Device.factory();
      await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities });
    } catch (error) {
      void host.request('call.leave', { room: host.room }).catch(() => undefined);
      throw new ParleyError('unsupported_browser', `this browser cannot take part in calls: ${errorText(error)}`, { cause: error });
    }
    stopIfOvertaken();
    const recv = await createTransport(host, device, 'recv', joined.iceServers);
    stopIfOvertaken(recv);
    let send: Transport | null = null;
    if (joined.canProduce && (device.canProduce('audio') || device.canProduce('video'))) {
      send = await createTransport(host, device, 'send', joined.iceServers).catch((error: unknown) => {
        recv.close();
        throw error;
      });
      stopIfOvertaken(recv, send);
    }
    return new MediaSession(host, device, recv, send);
  }

  /** True once closed: work still under way for it stops touching the call. */
  get closed(): boolean {
    return this.ended;
  }

  /** Sends `track` as `source` (`paused`: created paused, as the muted microphone is). */
  async produce(source: CallSource, track: MediaStreamTrack, paused: boolean): Promise<void> {
    if (!this.send) throw new ParleyError(ErrorCode.Forbidden, 'you may not send media in this room');
    const producer = await this.send.produce({
      track,
      stopTracks: false,
      appData: { source, paused },
      ...(source === 'mic' ? { codecOptions: { opusDtx: true, opusFec: true } } : {}),
    });
    if (this.ended) {
      producer.close();
      return;
    }
    // The server created it paused already; this only stops the local sender.
    if (paused) producer.pause();
    this.producers.set(source, producer);
    this.host.changed();
  }

  /** Closes our producer of `source`, if any, and returns it (the server is told by the caller). */
  closeProducer(source: CallSource): Producer | undefined {
    const producer = this.producers.get(source);
    if (producer) {
      this.producers.delete(source);
      producer.close();
    }
    return producer;
  }

  /** Receives what `producer` sends; a producer gone meanwhile is skipped quietly. */
  async consume(producer: CallProducerInfo): Promise<void> {
    if (this.consumers.has(producer.id) || this.consuming.has(producer.id)) return;
    this.consuming.add(producer.id);
    const { host } = this;
    try {
      const params = await host.request('call.consume', {
        room: host.room,
        transportId: this.recv.id,
        producerId: producer.id,
        rtpCapabilities: this.device.recvRtpCapabilities,
      });
      if (this.ended) return;
      const consumer = await this.recv.consume({
        id: params.id,
        producerId: params.producerId,
        kind: params.kind,
        rtpParameters: params.rtpParameters as unknown as Consumer['rtpParameters'],
        streamId: `${params.user}-${params.source}`,
      });
      if (this.ended || !host.wanted(producer)) {
        consumer.close();
        return;
      }
      this.consumers.set(producer.id, consumer);
      host.changed();
      await host.request('call.consumer.resume', { room: host.room, consumerId: consumer.id });
    } catch (error) {
      // The producer may have gone meanwhile (not_found); anything else is worth a warning.
      if (!this.ended && !(error instanceof ParleyError && error.code === ErrorCode.NotFound)) {
        host.warn(toCallError(error));
      }
    } finally {
      this.consuming.delete(producer.id);
    }
  }

  /** Stops receiving `producerId`. */
  dropConsumer(producerId: string): void {
    const consumer = this.consumers.get(producerId);
    if (!consumer) return;
    this.consumers.delete(producerId);
    consumer.close();
  }

  /** The device's network changed: restart ICE on both transports. */
  networkChanged(): void {
    for (const transport of [this.recv, this.send]) if (transport) void this.restartIce(transport);
  }

  /** Closes the transports (and with them every producer and consumer); our tracks stay. */
  close(): void {
    this.ended = true;
    for (const timer of this.timers) this.host.timers.clearTimeout(timer);
    // Closing a transport closes its producers and consumers; our tracks stay (stopTracks: false).
    this.recv.close();
    this.send?.close();
  }

  private transportStateChanged(transport: Transport, state: string): void {
    if (this.ended) return;
    if (state === 'failed') void this.restartIce(transport);
    else if (state === 'disconnected') {
      this.timers.push(
        this.host.timers.setTimeout(() => {
          if (transport.connectionState === 'disconnected') void this.restartIce(transport);
        }, ICE_RESTART_DELAY_MS),
      );
    }
    if (transport === this.send) this.host.sendStateChanged(state);
  }

  private async restartIce(transport: Transport): Promise<void> {
    if (this.restarting.has(transport.id) || transport.closed) return;
    this.restarting.add(transport.id);
    try {
      const { iceParameters } = await this.host.request('call.transport.restartIce', { room: this.host.room, transportId: transport.id });
      if (!this.ended && !transport.closed) {
        await transport.restartIce({ iceParameters: iceParameters as unknown as Parameters<Transport['restartIce']>[0]['iceParameters'] });
      }
    } catch (error) {
      if (!this.ended) this.host.warn(toCallError(error));
    } finally {
      this.restarting.delete(transport.id);
    }
  }
}

/** A transport of `direction` whose DTLS connect and (send) produce go through the server. */
async function createTransport(
  host: MediaSessionHost,
  device: Device,
  direction: TransportDirection,
  iceServers: CallIceServer[],
): Promise<Transport> {
  const { room } = host;
  const params = await host.request('call.transport.create', { room, direction });
  const options = { ...params, iceServers } as unknown as TransportOptions;
  const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
  transport.on('connect', ({ dtlsParameters }, done, fail) => {
    host
      .request('call.transport.connect', {
        room,
        transportId: transport.id,
        dtlsParameters,
      })
      .then(() => done(), fail);
  });
  if (direction === 'send') {
    transport.on('produce', ({ kind, rtpParameters, appData }, done, fail) => {
      const { source, paused } = appData as { source: CallSource; paused: boolean };
      host
        .request('call.produce', {
          room,
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
