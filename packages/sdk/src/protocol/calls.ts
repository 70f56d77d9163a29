/**
 * Calls: audio, video and screen share through the server's SFU (mediasoup).
 * Signalling travels as ordinary requests and events on the client's chat
 * socket; media travels over WebRTC transports the server creates.
 *
 * mediasoup's parameter objects (RTP capabilities and parameters, ICE and DTLS
 * parameters) pass through as opaque JSON here so this module stays free of
 * dependencies; each side hands them to its own mediasoup library, which
 * validates them.
 */

/** mediasoup's JSON objects as they travel (`RtpCapabilities`, `RtpParameters`, `IceParameters`…). */
export type MediaParameters = { [key: string]: unknown };

/** What a producer carries. `mic` is audio, `camera` and `screen` are video. */
export type CallSource = 'mic' | 'camera' | 'screen';
export const CALL_SOURCES: readonly CallSource[] = ['mic', 'camera', 'screen'];

/** The media kind each source must be produced as. */
export const SOURCE_KIND: Readonly<Record<CallSource, 'audio' | 'video'>> = Object.freeze({
  mic: 'audio',
  camera: 'video',
  screen: 'video',
});

/** Which way a WebRTC transport carries media, seen from the client. */
export type TransportDirection = 'send' | 'recv';

/** A participant's producer as others learn about it. */
export interface CallProducerInfo {
  id: string;
  /** The participant's user id. */
  user: string;
  kind: 'audio' | 'video';
  source: CallSource;
  /** Paused by its owner (microphone muted, camera off). */
  paused: boolean;
}

/** A participant of a call. */
export interface CallParticipantInfo {
  /** User id; a user is in a call at most once (a second join from another device replaces the first). */
  user: string;
  name: string;
  producers: CallProducerInfo[];
}

/** A WebRTC transport's parameters, for mediasoup-client's `createSendTransport` / `createRecvTransport`. */
export interface TransportParameters {
  id: string;
  iceParameters: MediaParameters;
  iceCandidates: MediaParameters[];
  dtlsParameters: MediaParameters;
}

/** An ICE server (STUN/TURN) the server tells clients to use, as in `RTCIceServer`. */
export interface CallIceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** A consumer's parameters, for mediasoup-client's `transport.consume`. It starts paused. */
export interface ConsumerParameters {
  id: string;
  producerId: string;
  kind: 'audio' | 'video';
  rtpParameters: MediaParameters;
  /** Whose media it is. */
  user: string;
  source: CallSource;
  /** The producer is paused (muted) right now. */
  producerPaused: boolean;
}

/**
 * Call requests, merged into the protocol's `Requests` map. Every request
 * names the `room` whose call it acts in. Order of a join: `call.join` →
 * `call.transport.create` (send, recv) → `call.transport.connect` (sent by
 * mediasoup-client on first use) → `call.produce` for each local track →
 * `call.consume` + `call.consumer.resume` for each producer announced in the
 * join result or in a later `call.producer.added`.
 */
export interface CallRequests {
  'call.join': {
    args: { room: string };
    result: {
      routerRtpCapabilities: MediaParameters;
      /** The others already in the call, with their producers. */
      participants: CallParticipantInfo[];
      /** Whether this user may send media (broadcast rooms: moderators and up; not while muted). */
      canProduce: boolean;
      iceServers: CallIceServer[];
    };
  };
  'call.leave': { args: { room: string }; result: Record<string, never> };
  'call.transport.create': { args: { room: string; direction: TransportDirection }; result: TransportParameters };
  'call.transport.connect': {
    args: { room: string; transportId: string; dtlsParameters: MediaParameters };
    result: Record<string, never>;
  };
  'call.transport.restartIce': { args: { room: string; transportId: string }; result: { iceParameters: MediaParameters } };
  'call.produce': {
    args: {
      room: string;
      transportId: string;
      kind: 'audio' | 'video';
      rtpParameters: MediaParameters;
      source: CallSource;
      paused?: boolean;
    };
    result: { producerId: string };
  };
  'call.producer.pause': { args: { room: string; producerId: string }; result: Record<string, never> };
  'call.producer.resume': { args: { room: string; producerId: string }; result: Record<string, never> };
  'call.producer.close': { args: { room: string; producerId: string }; result: Record<string, never> };
  'call.consume': {
    args: { room: string; transportId: string; producerId: string; rtpCapabilities: MediaParameters };
    result: ConsumerParameters;
  };
  'call.consumer.resume': { args: { room: string; consumerId: string }; result: Record<string, never> };
}

/** Why a participant left a call. */
export type CallLeaveReason = 'left' | 'disconnected' | 'replaced' | 'removed';

/**
 * Events of a call, sent to the call's participants only (the connection
 * that joined). `call.rejoin` means the server lost the call's media worker,
 * or the node hosting the call is gone: everything of the call is gone; join
 * again to continue.
 */
export type CallEventFrame =
  | { type: 'call.participant.joined'; room: string; participant: CallParticipantInfo }
  | { type: 'call.participant.left'; room: string; user: string; reason: CallLeaveReason }
  | { type: 'call.producer.added'; room: string; producer: CallProducerInfo }
  | { type: 'call.producer.removed'; room: string; user: string; producerId: string }
  | { type: 'call.producer.paused'; room: string; user: string; producerId: string }
  | { type: 'call.producer.resumed'; room: string; user: string; producerId: string }
  | {
      type: 'call.activeSpeaker';
      room: string;
      /** The loudest participant, or null during silence. */
      user: string | null;
      /** Everyone above the speaking threshold, loudest first. */
      speaking: string[];
    }
  | { type: 'call.rejoin'; room: string; reason: string };
