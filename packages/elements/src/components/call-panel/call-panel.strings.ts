import type { ErrorStrings } from '../../base/error-strings.js';

/**
 * Every user-visible string of `<call-panel>`. The element takes a `strings`
 * property (a partial override merged over these defaults). Functions receive
 * names already resolved, so a translation can reorder them.
 * A failed connection is said with {@link ErrorStrings} (defaults:
 * `errorStrings`); `errorNotMember`, `errorForbidden` and `errorOffline` are the call's own.
 */
export interface CallPanelStrings extends Partial<ErrorStrings> {
  /** Label of the whole panel (a `region`). */
  panelLabel: string;
  /** While the call code loads (before the pre-join screen). */
  preparing: string;
  /** Heading of the pre-join screen. */
  prejoinTitle: string;
  /** The pre-join preview of the user's own camera. */
  previewLabel: string;
  /** Shown in the preview while the camera is off. */
  previewOff: string;
  /** Shown in the preview while the camera is on but shows nothing (starting, or refused). */
  previewNone: string;
  /** Select of microphones. */
  microphoneDevice: string;
  /** Select of cameras. */
  cameraDevice: string;
  /** The browser's default device (the first option of each select). */
  defaultDevice: string;
  /** A device the browser does not name yet (labels need a permission first). */
  unnamedDevice: (kind: 'audioinput' | 'videoinput', index: number) => string;
  join: string;
  joining: string;
  leave: string;
  /** Toggle buttons (their pressed state says on or off). */
  microphone: string;
  camera: string;
  shareScreen: string;
  chat: string;
  devices: string;
  /** Heading of the in-call device panel. */
  devicesTitle: string;
  closeDevices: string;
  /** The grid of participant tiles. */
  participantsLabel: string;
  /** The tile of the signed-in user. */
  you: (name: string) => string;
  /** A participant's shared screen. */
  screenOf: (name: string) => string;
  /** Mute indicators on a tile. */
  microphoneOff: string;
  cameraOff: string;
  /** On the tile of the active speaker. */
  speaking: string;
  /** Connection quality badges (`good` shows nothing). */
  qualityPoor: string;
  qualityLost: string;
  /** Status line of the call. */
  statusJoining: string;
  statusReconnecting: string;
  /** Shown when the call was left (with a button to join again). */
  statusLeft: string;
  /** In a room where this user may not send media (a broadcast room). */
  listenOnly: string;
  /** The user is alone in the call. */
  waitingForOthers: string;
  /** Participants in the call, for screen readers. */
  participantCount: (count: number) => string;
  /** Errors, shown with `role="alert"`. */
  errorPermissionDenied: string;
  errorNoDevice: string;
  errorCallFull: string;
  errorUnsupported: string;
  errorUnavailable: string;
  errorNotMember: string;
  errorForbidden: string;
  errorOffline: string;
  errorOther: (message: string) => string;
  /** The call ended because this user joined it from another tab or device. */
  endedReplaced: string;
  /** The call ended because this user was removed from the room. */
  endedRemoved: string;
  dismiss: string;
  /** Without a client: not inside a session and no server/user attributes. */
  noClient: string;
  /** Without a `room` attribute. */
  noRoom: string;
}

/** English defaults for `<call-panel>`. */
export const callPanelStrings: CallPanelStrings = {
  panelLabel: 'Call',
  preparing: 'Preparing the call…',
  prejoinTitle: 'Ready to join?',
  previewLabel: 'Your camera preview',
  previewOff: 'Camera off',
  previewNone: 'No camera picture yet',
  microphoneDevice: 'Microphone',
  cameraDevice: 'Camera',
  defaultDevice: 'Default',
  unnamedDevice: (kind, index) => `${kind === 'audioinput' ? 'Microphone' : 'Camera'} ${index}`,
  join: 'Join call',
  joining: 'Joining…',
  leave: 'Leave call',
  microphone: 'Microphone',
  camera: 'Camera',
  shareScreen: 'Share screen',
  chat: 'Chat',
  devices: 'Devices',
  devicesTitle: 'Devices',
  closeDevices: 'Close devices',
  participantsLabel: 'Participants',
  you: (name) => `${name} (you)`,
  screenOf: (name) => `${name}'s screen`,
  microphoneOff: 'Microphone off',
  cameraOff: 'Camera off',
  speaking: 'Speaking',
  qualityPoor: 'Poor connection',
  qualityLost: 'Connection lost',
  statusJoining: 'Joining the call…',
  statusReconnecting: 'Reconnecting to the call…',
  statusLeft: 'You left the call.',
  listenOnly: 'You can watch and listen in this room.',
  waitingForOthers: 'Waiting for others to join…',
  participantCount: (count) => (count === 1 ? '1 person in the call' : `${count} people in the call`),
  errorPermissionDenied: 'The browser did not allow access to your camera or microphone. Allow it in the site settings and try again.',
  errorNoDevice: 'No camera or microphone was found.',
  errorCallFull: 'This call is full.',
  errorUnsupported: 'This browser cannot take part in calls.',
  errorUnavailable: 'Calls are not available on this server right now.',
  errorNotMember: 'Only members of this room can join its call.',
  errorForbidden: 'You may not do that in this room.',
  errorOffline: 'You are offline. Join again when the connection is back.',
  errorOther: (message) => `The call did not work: ${message}`,
  endedReplaced: 'You joined this call from another tab or device, so it ended here.',
  endedRemoved: 'You were removed from this room, so the call ended.',
  dismiss: 'Dismiss',
  noClient: 'Not connected: place this element in a <parley-session> or set its server and user.',
  noRoom: 'No room: set the room attribute.',
};
