/**
 * Measures a call's connection quality every few seconds from WebRTC
 * statistics: each other participant's (the worst of their media we
 * receive) and our own sending's (from the server's receiver reports). The
 * thresholds are the pure functions of `call-quality.ts`.
 */
import type { Timers } from '../transport/platform.js';
import { receiveQuality, receiveSample, sendQuality, sendSample, statCounter } from './call-quality.js';
import type { ReceiveSample } from './call-quality.js';
import type { CallMediaStats, CallQuality } from './call-types.js';
import type { MediaSession } from './media-session.js';
import type { Peers } from './peers.js';

/** How often connection quality is measured. */
const QUALITY_INTERVAL_MS = 3_000;

/** What is measured, and where results go. */
export interface QualityTarget {
  readonly session: MediaSession;
  readonly peers: Peers;
  /** Our sending quality was measured. */
  self(quality: CallQuality): void;
  /** A round ended (each peer's `quality` is updated). */
  measured(): void;
}

/** Samples one media session until stopped; see the module comment. */
export class QualitySampler {
  /** The previous receive counters by producer id: loss is counted between two samples. */
  private readonly samples = new Map<string, ReceiveSample>();
  private timer: unknown = null;

  constructor(
    private readonly target: QualityTarget,
    private readonly timers: Timers,
  ) {}

  /** Measures every few seconds from now on. */
  start(): void {
    const tick = (): void => {
      this.timer = this.timers.setTimeout(tick, QUALITY_INTERVAL_MS);
      void this.measure();
    };
    this.timer = this.timers.setTimeout(tick, QUALITY_INTERVAL_MS);
  }

  /** Stops measuring. */
  stop(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Forgets the counters of a producer no longer received. */
  forget(producerId: string): void {
    this.samples.delete(producerId);
  }

  private async measure(): Promise<void> {
    const { session, peers } = this.target;
    try {
      const recvConnected = session.recv.connectionState === 'connected';
      for (const peer of peers.values()) {
        let worst: CallQuality = 'good';
        for (const producer of peer.producers.values()) {
          const consumer = session.consumers.get(producer.id);
          if (!consumer) continue;
          const sample = receiveSample(await consumer.getStats());
          const quality = recvConnected ? receiveQuality(this.samples.get(producer.id) ?? null, sample, !producer.paused) : 'lost';
          this.samples.set(producer.id, sample);
          worst = rank(quality) > rank(worst) ? quality : worst;
        }
        peer.quality = worst;
      }
      if (session.send) {
        this.target.self(sendQuality(sendSample(await session.send.getStats()), session.send.connectionState === 'connected'));
      } else {
        this.target.self(recvConnected ? 'good' : 'lost');
      }
    } catch {
      // Stats of a transport closed meanwhile: the next round (or the next session) measures again.
      return;
    }
    this.target.measured();
  }
}

/** What this client has received from each participant so far (audio bytes, decoded frames), by user id. */
export async function receivedStats(session: MediaSession, peers: Peers): Promise<Record<string, CallMediaStats>> {
  const out: Record<string, CallMediaStats> = {};
  for (const peer of peers.values()) {
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

function rank(quality: CallQuality): number {
  return quality === 'good' ? 0 : quality === 'poor' ? 1 : 2;
}
