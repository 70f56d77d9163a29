/**
 * The media operations of one participant in one call: WebRTC transports,
 * producers, consumers. mediasoup validates the parameters clients send;
 * its refusals become typed errors (`bad_request`, `unsupported`,
 * `not_found`) instead of `internal`.
 */
import { ErrorCode, SOURCE_KIND } from '@parley/sdk/protocol';
import type { ConsumerParameters, MediaParameters, RequestArgs, TransportDirection, TransportParameters } from '@parley/sdk/protocol';
import type { DtlsParameters, RtpCapabilities, RtpParameters, WebRtcTransport } from 'mediasoup/types';
import type { Limits } from '@parley/sdk/protocol';
import { RequestError } from '../errors.js';
import type { CallOptions } from './call-options.js';
import type { CallRoom } from './call-room.js';
import type { Participant } from './participant.js';

/**
 * Runs a mediasoup call, turning its validation errors into answers the
 * client can act on. With `clientInput`, a plain `Error` is the worker
 * refusing what the client described (a MID or SSRC already in use…): also
 * the client's to fix, so `bad_request` rather than `internal`.
 */
async function mediasoup<T>(what: string, fn: () => Promise<T> | T, clientInput = false): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof RequestError) throw error;
    const name = error instanceof Error ? error.name : '';
    const message = error instanceof Error ? error.message : String(error);
    if (name === 'TypeError') throw new RequestError(ErrorCode.BadRequest, `${what}: ${message}`);
    if (name === 'UnsupportedError') throw new RequestError(ErrorCode.Unsupported, `${what}: ${message}`);
    if (name === 'InvalidStateError') throw new RequestError(ErrorCode.NotFound, `${what}: it was closed meanwhile`);
    if (clientInput && name === 'Error') throw new RequestError(ErrorCode.BadRequest, `${what}: ${message.replace(/ \[method:[^\]]*\]$/, '')}`);
    throw error;
  }
}

/** The participant's transport with this id and direction. */
function transportOf(participant: Participant, transportId: string, direction: TransportDirection): WebRtcTransport {
  const entry = participant.transports.get(transportId);
  if (!entry || entry.direction !== direction || entry.transport.closed) {
    throw new RequestError(ErrorCode.NotFound, `no such ${direction} transport`);
  }
  return entry.transport;
}

/** The participant's own producer with this id. */
function ownProducer(participant: Participant, producerId: string) {
  const entry = participant.producers.get(producerId);
  if (!entry || entry.producer.closed) throw new RequestError(ErrorCode.NotFound, 'no such producer of yours');
  return entry;
}

/** Creates the participant's transport for one direction (one each at most). */
export async function createTransport(
  options: CallOptions,
  participant: Participant,
  call: CallRoom,
  direction: TransportDirection,
): Promise<TransportParameters> {
  if (participant.transportFor(direction)) throw new RequestError(ErrorCode.Conflict, `you have a ${direction} transport already`);
  if (direction === 'send' && !participant.canProduce) throw new RequestError(ErrorCode.Forbidden, 'you may not send media in this room');
  const portRange = options.rtcMinPort !== null && options.rtcMaxPort !== null ? { min: options.rtcMinPort, max: options.rtcMaxPort } : undefined;
  const listen = (protocol: 'udp' | 'tcp') => ({
    protocol,
    ip: options.listenIp,
    ...(options.announcedAddress ? { announcedAddress: options.announcedAddress } : {}),
    ...(portRange ? { portRange } : {}),
  });
  const transport = await mediasoup('transport', () =>
    call.router.createWebRtcTransport({
      listenInfos: options.enableTcp ? [listen('udp'), listen('tcp')] : [listen('udp')],
      preferUdp: true,
      initialAvailableOutgoingBitrate: options.initialOutgoingBitrate,
      appData: { user: participant.user.id, direction },
    }),
  );
  if (participant.closed || participant.transportFor(direction)) {
    transport.close();
    throw new RequestError(participant.closed ? ErrorCode.NotFound : ErrorCode.Conflict, participant.closed ? 'you left the call' : `you have a ${direction} transport already`);
  }
  participant.transports.set(transport.id, { transport, direction });
  transport.observer.once('close', () => participant.transports.delete(transport.id));
  return {
    id: transport.id,
    iceParameters: transport.iceParameters as unknown as MediaParameters,
    iceCandidates: transport.iceCandidates as unknown as MediaParameters[],
    dtlsParameters: transport.dtlsParameters as unknown as MediaParameters,
  };
}

/** Finishes the DTLS setup of a transport (mediasoup-client sends this on first use). */
export async function connectTransport(participant: Participant, args: RequestArgs<'call.transport.connect'>): Promise<void> {
  const entry = participant.transports.get(args.transportId);
  if (!entry || entry.transport.closed) throw new RequestError(ErrorCode.NotFound, 'no such transport');
  await mediasoup('dtlsParameters', () => entry.transport.connect({ dtlsParameters: args.dtlsParameters as unknown as DtlsParameters }), true);
}

/** New ICE credentials for a transport whose network path changed. */
export async function restartIce(participant: Participant, transportId: string): Promise<MediaParameters> {
  const entry = participant.transports.get(transportId);
  if (!entry || entry.transport.closed) throw new RequestError(ErrorCode.NotFound, 'no such transport');
  return await mediasoup('restartIce', () => entry.transport.restartIce());
}

/** Starts receiving one medium of the participant (one producer per source, `maxCallProducersPerParticipant` in all). */
export async function produce(limits: Limits, call: CallRoom, participant: Participant, args: RequestArgs<'call.produce'>): Promise<string> {
  const transport = transportOf(participant, args.transportId, 'send');
  if (SOURCE_KIND[args.source] !== args.kind) {
    throw new RequestError(ErrorCode.BadRequest, `a ${args.source} producer carries ${SOURCE_KIND[args.source]}, not ${args.kind}`);
  }
  if (participant.producerFor(args.source)) throw new RequestError(ErrorCode.Conflict, `you are sending a ${args.source} already`);
  if (participant.producers.size >= limits.maxCallProducersPerParticipant) {
    throw new RequestError(ErrorCode.TooManyProducers, `at most ${limits.maxCallProducersPerParticipant} producers per participant`);
  }
  const producer = await mediasoup('rtpParameters', () =>
    transport.produce({
      kind: args.kind,
      rtpParameters: args.rtpParameters as unknown as RtpParameters,
      paused: args.paused === true,
      appData: { user: participant.user.id, source: args.source },
    }),
    true,
  );
  // Checked again after the await: another produce of the same source may have won the race.
  if (participant.closed || participant.producerFor(args.source) || participant.producers.size >= limits.maxCallProducersPerParticipant) {
    producer.close();
    throw new RequestError(participant.closed ? ErrorCode.NotFound : ErrorCode.Conflict, 'the producer could not be added');
  }
  participant.producers.set(producer.id, { producer, source: args.source });
  producer.observer.once('close', () => participant.producers.delete(producer.id));
  if (producer.kind === 'audio') await call.observeAudio(producer.id).catch(() => undefined);
  call.broadcast(
    {
      type: 'call.producer.added',
      room: call.room,
      producer: { id: producer.id, user: participant.user.id, kind: producer.kind, source: args.source, paused: producer.paused },
    },
    participant.user.id,
  );
  return producer.id;
}

/** Pauses or resumes one of the participant's producers and tells the others. */
export async function setProducerPaused(call: CallRoom, participant: Participant, producerId: string, paused: boolean): Promise<void> {
  const { producer } = ownProducer(participant, producerId);
  if (producer.paused === paused) return;
  await mediasoup('producer', () => (paused ? producer.pause() : producer.resume()));
  call.broadcast(
    { type: paused ? 'call.producer.paused' : 'call.producer.resumed', room: call.room, user: participant.user.id, producerId },
    participant.user.id,
  );
}

/** Closes one of the participant's producers (its consumers close with it) and tells the others. */
export function closeProducer(call: CallRoom, participant: Participant, producerId: string): void {
  const { producer } = ownProducer(participant, producerId);
  producer.close();
  participant.producers.delete(producerId);
  call.broadcast({ type: 'call.producer.removed', room: call.room, user: participant.user.id, producerId }, participant.user.id);
}

/** Forwards another participant's producer to this one; the consumer starts paused (resume it when ready). */
export async function consume(call: CallRoom, participant: Participant, args: RequestArgs<'call.consume'>): Promise<ConsumerParameters> {
  const transport = transportOf(participant, args.transportId, 'recv');
  let owner: Participant | null = null;
  for (const other of call.participants.values()) if (other.producers.has(args.producerId)) owner = other;
  const entry = owner?.producers.get(args.producerId);
  if (!owner || !entry || entry.producer.closed) throw new RequestError(ErrorCode.NotFound, 'no such producer in this call');
  if (owner === participant) throw new RequestError(ErrorCode.BadRequest, 'you cannot consume your own producer');
  for (const existing of participant.consumers.values()) {
    if (existing.producerId === args.producerId) throw new RequestError(ErrorCode.Conflict, 'you consume this producer already');
  }
  const rtpCapabilities = args.rtpCapabilities as unknown as RtpCapabilities;
  const possible = await mediasoup('rtpCapabilities', () => call.router.canConsume({ producerId: args.producerId, rtpCapabilities }));
  if (!possible) throw new RequestError(ErrorCode.Unsupported, 'your browser cannot receive this media (no common codec)');
  const consumer = await mediasoup('consume', () =>
    transport.consume({ producerId: args.producerId, rtpCapabilities, paused: true, appData: { user: owner.user.id, source: entry.source } }),
    true,
  );
  if (participant.closed) {
    consumer.close();
    throw new RequestError(ErrorCode.NotFound, 'you left the call');
  }
  participant.consumers.set(consumer.id, consumer);
  consumer.observer.once('close', () => participant.consumers.delete(consumer.id));
  return {
    id: consumer.id,
    producerId: args.producerId,
    kind: consumer.kind,
    rtpParameters: consumer.rtpParameters as unknown as MediaParameters,
    user: owner.user.id,
    source: entry.source,
    producerPaused: consumer.producerPaused,
  };
}

/** Starts forwarding a consumer the client has set up. */
export async function resumeConsumer(participant: Participant, consumerId: string): Promise<void> {
  const consumer = participant.consumers.get(consumerId);
  if (!consumer || consumer.closed) throw new RequestError(ErrorCode.NotFound, 'no such consumer');
  await mediasoup('consumer', () => consumer.resume());
}
