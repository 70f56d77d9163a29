/**
 * Node-local fan-out: one bus subscription per topic, however many local
 * sockets listen to it. A frame from the bus is written as the same string to
 * every subscribed socket.
 */
import type { Bus, BusMessage } from '../bus/bus.js';

/** Something that receives a topic's frames: one connection. */
export interface Subscriber {
  /** Writes an encoded frame to the socket. */
  deliver(frame: string): void;
  /** The user joined (`member: true`) or left a room; update room subscriptions. */
  membershipChanged(room: string, member: boolean): void;
}

/** The topic of a room's events. */
export function roomTopic(room: string): string {
  return `room:${room}`;
}

/** The topic of one user's devices. */
export function userTopic(user: string): string {
  return `user:${user}`;
}

/** Keeps local subscribers per topic and one bus subscription per topic. */
export class Hub {
  readonly #bus: Bus;
  readonly #topics = new Map<string, { subscribers: Set<Subscriber>; unsubscribe: () => void }>();

  /** Creates a hub over `bus`. */
  constructor(bus: Bus) {
    this.#bus = bus;
  }

  /** Adds `subscriber` to `topic` (idempotent). */
  subscribe(topic: string, subscriber: Subscriber): void {
    let entry = this.#topics.get(topic);
    if (!entry) {
      const subscribers = new Set<Subscriber>();
      const unsubscribe = this.#bus.subscribe(topic, (message) => this.#deliver(subscribers, message));
      entry = { subscribers, unsubscribe };
      this.#topics.set(topic, entry);
    }
    entry.subscribers.add(subscriber);
  }

  /** Removes `subscriber` from `topic`; drops the bus subscription when nobody is left. */
  unsubscribe(topic: string, subscriber: Subscriber): void {
    const entry = this.#topics.get(topic);
    if (!entry) return;
    entry.subscribers.delete(subscriber);
    if (entry.subscribers.size === 0) {
      entry.unsubscribe();
      this.#topics.delete(topic);
    }
  }

  /** Number of topics with local subscribers (for tests and metrics). */
  get topicCount(): number {
    return this.#topics.size;
  }

  #deliver(subscribers: Set<Subscriber>, message: BusMessage): void {
    const membership = message.membership;
    // Copy: delivering may close a slow socket, which unsubscribes it.
    for (const subscriber of [...subscribers]) {
      try {
        if (membership?.member) subscriber.membershipChanged(membership.room, true);
        subscriber.deliver(message.frame);
        if (membership && !membership.member) subscriber.membershipChanged(membership.room, false);
      } catch {
        // One broken socket must not keep the frame from the others.
      }
    }
  }
}
