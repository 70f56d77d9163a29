/**
 * One active call: a mediasoup router on one worker, its participants (at
 * most one per user), and an audio level observer that names the active
 * speaker. The registry closes it when the last participant leaves.
 */
import type { CallEventFrame } from '@parley/sdk/protocol';
import type { AudioLevelObserver, Router, RouterRtpCodecCapability, Worker } from 'mediasoup/types';
import type { Participant } from './participant.js';

/** The codecs every call router offers: Opus, VP8, VP9 and H264 (constrained baseline and baseline). */
export const MEDIA_CODECS = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } },
  { kind: 'video', mimeType: 'video/VP9', clockRate: 90000, parameters: { 'profile-id': 2, 'x-google-start-bitrate': 1000 } },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '4d0032', 'level-asymmetry-allowed': 1 },
  },
] as const satisfies readonly RouterRtpCodecCapability[];

/** Active-speaker settings. */
export interface SpeakerOptions {
  thresholdDb: number;
  intervalMs: number;
}

/** See the module comment. */
export class CallRoom {
  readonly room: string;
  readonly worker: Worker;
  readonly router: Router;
  readonly participants = new Map<string, Participant>();
  readonly #observer: AudioLevelObserver;
  #speaker: string | null = null;
  #speaking: string[] = [];

  private constructor(room: string, worker: Worker, router: Router, observer: AudioLevelObserver) {
    this.room = room;
    this.worker = worker;
    this.router = router;
    this.#observer = observer;
    observer.on('volumes', (volumes) => {
      // Loudest first; the producer's appData names its owner.
      const users = volumes.map(({ producer }) => String(producer.appData.user));
      this.#setSpeaker(users[0] ?? null, [...new Set(users)]);
    });
    observer.on('silence', () => this.#setSpeaker(null, []));
  }

  /** Creates the call's router and observer on `worker`. */
  static async open(room: string, worker: Worker, speaker: SpeakerOptions): Promise<CallRoom> {
    const router = await worker.createRouter({ mediaCodecs: [...MEDIA_CODECS], appData: { room } });
    try {
      const observer = await router.createAudioLevelObserver({
        maxEntries: 16,
        threshold: speaker.thresholdDb,
        interval: speaker.intervalMs,
      });
      return new CallRoom(room, worker, router, observer);
    } catch (error) {
      router.close();
      throw error;
    }
  }

  /** Whether the router is gone (closed, or its worker died). */
  get closed(): boolean {
    return this.router.closed;
  }

  /** Starts following a microphone for the active speaker. */
  async observeAudio(producerId: string): Promise<void> {
    if (this.#observer.closed) return;
    await this.#observer.addProducer({ producerId });
  }

  /** Sends `event` to every participant but `except` (a user id). */
  broadcast(event: CallEventFrame, except?: string): void {
    for (const participant of this.participants.values()) {
      if (participant.user.id !== except) participant.send(event);
    }
  }

  /** Closes every participant and the router. */
  close(): void {
    for (const participant of this.participants.values()) participant.close();
    this.participants.clear();
    this.router.close();
  }

  /** The participant who left may have been speaking: forget them. */
  forget(user: string): void {
    if (this.#speaker === user || this.#speaking.includes(user)) {
      const speaking = this.#speaking.filter((u) => u !== user);
      this.#setSpeaker(speaking[0] ?? null, speaking);
    }
  }

  #setSpeaker(user: string | null, speaking: string[]): void {
    if (user === this.#speaker && sameList(speaking, this.#speaking)) return;
    this.#speaker = user;
    this.#speaking = speaking;
    this.broadcast({ type: 'call.activeSpeaker', room: this.room, user, speaking });
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
