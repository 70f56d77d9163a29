/**
 * The shape of calls as UIs see them: `state.calls[roomId]` in the client
 * store, the options of `Call` methods, and the call's events. Types only,
 * so the chat-only bundle pays nothing for them.
 *
 * Tracks (`MediaStreamTrack`) live in the store as they are: objects owned
 * by the call, not serializable. Attach them with
 * `video.srcObject = new MediaStream([track])`; never stop a remote track
 * yourself (the call does when it ends).
 */
import type { ParleyError } from '../errors.js';

/**
 * Where this client is in a room's call:
 * `idle` (never joined), `joining`, `joined`, `reconnecting` (the chat
 * connection or the server's media worker was lost; the call rejoins by
 * itself), `left` (after `leave()`, or removed), `failed` (could not join or
 * rejoin; see `error`).
 */
export type CallStatus = 'idle' | 'joining' | 'joined' | 'reconnecting' | 'left' | 'failed';

/**
 * Connection quality from WebRTC statistics every few seconds: `good`,
 * `poor` (packet loss over 5 % or round trip over 400 ms), `lost` (no media
 * arriving, or the transport is disconnected).
 */
export type CallQuality = 'good' | 'poor' | 'lost';

/** Which media a track carries: the microphone, the camera or a shared screen. */
export type CallMediaSource = 'mic' | 'camera' | 'screen';

/** One medium of a participant. */
export interface CallMedia {
  /** True when the participant does not send it now (microphone muted, camera off, or never turned on). */
  muted: boolean;
  /** The track to play or show, once it arrives; absent when there is none. */
  track?: MediaStreamTrack;
}

/** One participant of a call, as shown. */
export interface CallParticipant {
  /** User id. */
  id: string;
  /** Display name (from the user's token). */
  name: string;
  audio: CallMedia;
  video: CallMedia;
  /** The shared screen, while the participant shares one. */
  screen: { track?: MediaStreamTrack };
  /** Above the server's speaking threshold now. */
  speaking: boolean;
  quality: CallQuality;
}

/** The selected input devices (`deviceId`s; null for the browser's default). */
export interface CallDeviceSelection {
  audioinput: string | null;
  videoinput: string | null;
}

/** This client in the call: like any participant, plus its device choice and rights. */
export interface CallSelf extends CallParticipant {
  devices: CallDeviceSelection;
  /**
   * Whether this user may send media in this room (false for members of
   * broadcast rooms below moderator, and while muted in the room). Known
   * after joining; true before.
   */
  canProduce: boolean;
}

/** `state.calls[roomId]`: one room's call as this client sees it. */
export interface CallState {
  room: string;
  status: CallStatus;
  /** The other participants by user id (this client is `self`). */
  participants: Readonly<Record<string, CallParticipant>>;
  self: CallSelf;
  /** The loudest participant's id (possibly this user's), or null during silence. */
  activeSpeaker: string | null;
  /** Why the call is `failed`, or the last failure the call recovered from. */
  error: ParleyError | null;
}

/** A microphone, camera or speaker, as `listDevices()` reports it. */
export interface CallDevice {
  deviceId: string;
  kind: 'audioinput' | 'videoinput' | 'audiooutput';
  /** Empty until the user has granted media permission once (browser privacy rule). */
  label: string;
}

/**
 * Which media to start with: `true` for the default device, a `deviceId` for
 * a specific one, `false` to start with it off. Defaults: both `true`.
 */
export interface CallJoinOptions {
  audio?: boolean | string;
  video?: boolean | string;
}

/** Options of `shareScreen(true, options)`. */
export interface ShareScreenOptions {
  /**
   * Share this video track instead of asking the browser for a screen
   * (`getDisplayMedia`): a canvas's `captureStream()`, a whiteboard. The
   * call stops it when sharing ends.
   */
  track?: MediaStreamTrack;
}

/** Receive statistics of one participant's media (for diagnostics and tests). */
export interface CallMediaStats {
  /** Bytes received so far on the audio consumer (0 when none). */
  audioBytesReceived: number;
  /** Video frames decoded so far on the camera consumer (0 when none). */
  videoFramesDecoded: number;
  /** Video frames decoded so far on the screen consumer (0 when none). */
  screenFramesDecoded: number;
}

/** Why a call ended without `leave()` (see `CallEvents.ended`). */
export type CallEndReason = 'replaced' | 'removed' | 'disconnected' | 'failed';

/** Events of a `Call` (`call.on(name, listener)`). */
export interface CallEvents {
  /**
   * Something failed but the call goes on: the camera is unavailable (joined
   * audio-only), the microphone is unavailable (joined listen-only), an ICE
   * restart failed. `code` is `no_device`, `permission_denied`, `forbidden`…
   */
  warning: ParleyError;
  /**
   * The call ended without `leave()`: `replaced` by a join of the same user
   * from another device, `removed` from the room, `disconnected` by
   * `client.disconnect()` / `logout()` (status `left`), or `failed` (a rejoin
   * failed, or the connection failed for good; status `failed`).
   */
  ended: { reason: CallEndReason; error: ParleyError | null };
}
