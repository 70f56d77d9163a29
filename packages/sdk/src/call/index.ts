/**
 * @parley/sdk/call — a room's audio/video call through the server's SFU, on
 * mediasoup-client. The client loads this module on the first
 * `client.call(roomId)`, so chat-only pages never download it; import it
 * directly only to have it up front. Needs the optional peer dependency
 * `mediasoup-client`.
 */
export { Call } from './call.js';
export { CallRegistry } from './call-registry.js';
export type { CallHost, CallsSlice } from './call-host.js';
export type {
  CallDevice,
  CallDeviceSelection,
  CallEndReason,
  CallEvents,
  CallJoinOptions,
  CallMedia,
  CallMediaSource,
  CallMediaStats,
  CallParticipant,
  CallQuality,
  CallSelf,
  CallState,
  CallStatus,
  ShareScreenOptions,
} from './call-types.js';
export type { MediaDevicesLike } from './media-access.js';
