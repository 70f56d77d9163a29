/**
 * Microphones, cameras and screens for calls: opens one track at a time and
 * turns the browser's `DOMException`s into typed errors (`permission_denied`,
 * `no_device`, `unsupported_browser`), so UIs can say what is wrong.
 */
import { ParleyError } from '../errors.js';
import type { CallDevice } from './call-types.js';

/** The part of `navigator.mediaDevices` calls use (injectable for tests and unusual hosts). */
export interface MediaDevicesLike {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  getDisplayMedia?(options?: DisplayMediaStreamOptions): Promise<MediaStream>;
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
}

/** The browser's media devices, or null where there are none (Node, insecure origins). */
export function browserMediaDevices(): MediaDevicesLike | null {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  return nav?.mediaDevices?.getUserMedia ? nav.mediaDevices : null;
}

function unsupported(what: string): ParleyError {
  return new ParleyError('unsupported_browser', `${what} is not available here (it needs a browser with WebRTC on a secure origin)`);
}

/** Maps a getUserMedia / getDisplayMedia failure to a typed error. */
export function mediaError(error: unknown, what: string): ParleyError {
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new ParleyError('permission_denied', `access to the ${what} was denied`, { cause: error });
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new ParleyError('no_device', `no ${what} was found`, { cause: error });
    case 'NotReadableError':
    case 'AbortError':
      return new ParleyError('no_device', `the ${what} could not be started (is another program using it?)`, { cause: error });
    case 'TypeError':
    case 'NotSupportedError':
      return new ParleyError('unsupported_browser', `this browser cannot capture the ${what}`, { cause: error });
    default:
      return new ParleyError('no_device', `the ${what} could not be opened: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
  }
}

/** Opens microphones, cameras and screens through {@link MediaDevicesLike}. */
export class MediaAccess {
  constructor(private readonly devices: MediaDevicesLike | null = browserMediaDevices()) {}

  /** Whether any capture is possible here. */
  get available(): boolean {
    return this.devices !== null;
  }

  /** One microphone track; `deviceId` null for the default one. */
  microphone(deviceId: string | null): Promise<MediaStreamTrack> {
    const audio: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    if (deviceId) audio.deviceId = { exact: deviceId };
    return this.track({ audio }, 'microphone');
  }

  /** One camera track (at most 1280×720, 30 fps); `deviceId` null for the default one. */
  camera(deviceId: string | null): Promise<MediaStreamTrack> {
    const video: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } };
    if (deviceId) video.deviceId = { exact: deviceId };
    return this.track({ video }, 'camera');
  }

  /** A screen, window or tab chosen by the user (video only). */
  async screen(): Promise<MediaStreamTrack> {
    const devices = this.devices;
    if (!devices?.getDisplayMedia) throw unsupported('screen sharing');
    let stream: MediaStream;
    try {
      stream = await devices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      throw mediaError(error, 'screen');
    }
    const [track] = stream.getVideoTracks();
    if (!track) throw new ParleyError('no_device', 'no screen was shared');
    return track;
  }

  /** Both kinds at once, for a pre-join preview; media that cannot be opened is left out, unless none can. */
  async preview(audio: boolean | string, video: boolean | string): Promise<MediaStream> {
    const stream = new MediaStream();
    let failure: ParleyError | null = null;
    for (const [wanted, open] of [
      [audio, (id: string | null) => this.microphone(id)],
      [video, (id: string | null) => this.camera(id)],
    ] as const) {
      if (wanted === false) continue;
      try {
        stream.addTrack(await open(typeof wanted === 'string' ? wanted : null));
      } catch (error) {
        failure ??= error instanceof ParleyError ? error : mediaError(error, 'media device');
      }
    }
    if (failure && stream.getTracks().length === 0) throw failure;
    return stream;
  }

  /** Microphones, cameras and speakers (labels are empty before permission was granted once). */
  async list(): Promise<CallDevice[]> {
    if (!this.devices) throw unsupported('media device listing');
    const all = await this.devices.enumerateDevices();
    return all
      .filter((d) => d.kind === 'audioinput' || d.kind === 'videoinput' || d.kind === 'audiooutput')
      .map((d) => ({ deviceId: d.deviceId, kind: d.kind, label: d.label }));
  }

  private async track(constraints: MediaStreamConstraints, what: string): Promise<MediaStreamTrack> {
    const devices = this.devices;
    if (!devices) throw unsupported(`the ${what}`);
    let stream: MediaStream;
    try {
      stream = await devices.getUserMedia(constraints);
    } catch (error) {
      throw mediaError(error, what);
    }
    const [track] = stream.getTracks();
    if (!track) throw new ParleyError('no_device', `no ${what} track`);
    return track;
  }
}
