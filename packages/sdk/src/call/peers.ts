/**
 * The other participants of a call as this client knows them: who they are,
 * what they send (their producers, paused or not) and their measured
 * quality, turned into the `participants` of the call's state.
 */
import type { CallParticipantInfo, CallProducerInfo, CallSource } from '../protocol/calls.js';
import type { CallMedia, CallParticipant, CallQuality } from './call-types.js';

/** Another participant. */
export interface Peer {
  id: string;
  name: string;
  /** By producer id. */
  producers: Map<string, CallProducerInfo>;
  quality: CallQuality;
}

/** See the module comment. */
export class Peers {
  private readonly peers = new Map<string, Peer>();

  /** The participant `user`, if known. */
  get(user: string): Peer | undefined {
    return this.peers.get(user);
  }

  /** The participant `user`, known from now on. */
  peer(user: string): Peer {
    let peer = this.peers.get(user);
    if (!peer) this.peers.set(user, (peer = { id: user, name: user, producers: new Map(), quality: 'good' }));
    return peer;
  }

  /** Takes in a participant as the server describes it; returns its producers (to consume). */
  add(info: CallParticipantInfo): CallProducerInfo[] {
    const peer = this.peer(info.user);
    peer.name = info.name;
    for (const producer of info.producers) peer.producers.set(producer.id, { ...producer });
    return info.producers;
  }

  /** Forgets a participant; returns the ids of the producers it had (to stop consuming). */
  remove(user: string): string[] {
    const peer = this.peers.get(user);
    if (!peer) return [];
    this.peers.delete(user);
    return [...peer.producers.keys()];
  }

  /** Whether `producer` is still sent by its participant. */
  sends(producer: CallProducerInfo): boolean {
    return this.peers.get(producer.user)?.producers.has(producer.id) ?? false;
  }

  /** Every participant. */
  values(): IterableIterator<Peer> {
    return this.peers.values();
  }

  /** Forgets everyone (leave, reconnect, a new join). */
  clear(): void {
    this.peers.clear();
  }

  /** The participants as shown: `track` gives the received track of a producer (null until it arrives). */
  participants(track: (producerId: string) => MediaStreamTrack | null, speaking: ReadonlySet<string>): Record<string, CallParticipant> {
    const participants: Record<string, CallParticipant> = {};
    for (const peer of this.peers.values()) participants[peer.id] = participant(peer, track, speaking);
    return participants;
  }
}

/** One medium as shown: muted or not, with its track when there is one. */
export function mediaState(muted: boolean, track: MediaStreamTrack | null): CallMedia {
  return track ? { muted, track } : { muted };
}

function participant(peer: Peer, trackOf: (producerId: string) => MediaStreamTrack | null, speaking: ReadonlySet<string>): CallParticipant {
  const bySource = new Map<CallSource, CallProducerInfo>();
  for (const producer of peer.producers.values()) bySource.set(producer.source, producer);
  const track = (source: CallSource): MediaStreamTrack | null => {
    const producer = bySource.get(source);
    return (producer && trackOf(producer.id)) ?? null;
  };
  const mic = bySource.get('mic');
  const camera = bySource.get('camera');
  const screen = track('screen');
  return {
    id: peer.id,
    name: peer.name,
    audio: mediaState(!mic || mic.paused, track('mic')),
    video: mediaState(!camera || camera.paused, track('camera')),
    screen: screen ? { track: screen } : {},
    speaking: speaking.has(peer.id),
    quality: peer.quality,
  };
}
