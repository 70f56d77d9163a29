/**
 * Node-local fan-out: one bus subscription per topic, however many local
 * sockets listen to it. A frame from the bus is encoded once per broadcast,
 * into a complete WebSocket frame, and the same bytes are written to every
 * subscribed socket.
 */
import type { Bus, BusMessage } from '../bus/bus.js';
import { encodeFrame } from './encoded-frame.js';
import type { EncodedFrame } from './encoded-frame.js';

/** Something that receives a topic's frames: one socket, or a loaded workspace document. */
export interface Subscriber {
  /** Writes an encoded frame to the socket (used when `deliverEncoded` is absent). */
  deliver(frame: string): void;
  /** Writes a frame the hub encoded once for every socket; preferred over `deliver` when present. */
  deliverEncoded?(frame: EncodedFrame): void;
  /** The user joined (`member: true`) or left a room; update room subscriptions. */
  membershipChanged(room: string, member: boolean): void;
}

/**
 * A topic's local subscribers. Most topics (every `user:` topic) have exactly
 * one, kept as is; a `Set` is made only for the second.
 */
interface TopicEntry {
  subscribers: Subscriber | Set<Subscriber>;
  unsubscribe: () => void;
}

/** Keeps local subscribers per topic and one bus subscription per topic. */
export class Hub {
  readonly #bus: Bus;
  readonly #topics = new Map<string, TopicEntry>();

  /** Creates a hub over `bus`. */
  constructor(bus: Bus) {
    this.#bus = bus;
  }

  /** Adds `subscriber` to `topic` (idempotent). */
  subscribe(topic: string, subscriber: Subscriber): void {
    const entry = this.#topics.get(topic);
    if (!entry) {
      const created: TopicEntry = { subscribers: subscriber, unsubscribe: () => {} };
      created.unsubscribe = this.#bus.subscribe(topic, (message) => this.#deliver(created, message));
      this.#topics.set(topic, created);
      return;
    }
    const current = entry.subscribers;
    if (current instanceof Set) current.add(subscriber);
    else if (current !== subscriber) entry.subscribers = new Set([current, subscriber]);
  }

  /** Removes `subscriber` from `topic`; drops the bus subscription when nobody is left. */
  unsubscribe(topic: string, subscriber: Subscriber): void {
    const entry = this.#topics.get(topic);
    if (!entry) return;
    const current = entry.subscribers;
    if (current instanceof Set) {
      current.delete(subscriber);
      if (current.size > 0) return;
    } else if (current !== subscriber) {
      return;
    }
    entry.unsubscribe();
    this.#topics.delete(topic);
  }

  /** Number of topics with local subscribers (for tests and metrics). */
  get topicCount(): number {
    return this.#topics.size;
  }

  #deliver(entry: TopicEntry, message: BusMessage): void {
    const subscribers = entry.subscribers;
    if (!(subscribers instanceof Set)) {
      deliverTo(subscribers, message, null);
      return;
    }
    // Encoded once here rather than by `ws` for every socket.
    const encoded = encodeFrame(message.frame);
    // Copy: delivering may close a slow socket, which unsubscribes it.
    for (const subscriber of [...subscribers]) deliverTo(subscriber, message, encoded);
  }
}

/** Delivers `message` to one subscriber, as `encoded` bytes when it takes them (encoding them if not given). */
function deliverTo(subscriber: Subscriber, message: BusMessage, encoded: EncodedFrame | null): void {
  const membership = message.membership;
  try {
    if (membership?.member) subscriber.membershipChanged(membership.room, true);
    if (subscriber.deliverEncoded) subscriber.deliverEncoded(encoded ?? encodeFrame(message.frame));
    else subscriber.deliver(message.frame);
    if (membership && !membership.member) subscriber.membershipChanged(membership.room, false);
  } catch {
    // One broken socket must not keep the frame from the others.
  }
}
