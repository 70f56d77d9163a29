/** The bus topics one chat socket listens to (its user's, its rooms'), through the node's hub. */
import type { Hub, Subscriber } from '../sockets/hub.js';

/** See the module comment. */
export class TopicSubscriptions {
  readonly #topics = new Set<string>();
  readonly #hub: Hub;
  readonly #subscriber: Subscriber;

  /** Subscriptions of `subscriber` (the socket) on `hub`. */
  constructor(hub: Hub, subscriber: Subscriber) {
    this.#hub = hub;
    this.#subscriber = subscriber;
  }

  /** Listens to `topic` (once, however often asked). */
  add(topic: string): void {
    if (this.#topics.has(topic)) return;
    this.#topics.add(topic);
    this.#hub.subscribe(topic, this.#subscriber);
  }

  /** Stops listening to `topic`. */
  remove(topic: string): void {
    if (!this.#topics.delete(topic)) return;
    this.#hub.unsubscribe(topic, this.#subscriber);
  }

  /** Stops listening to every topic (the socket closed). */
  clear(): void {
    for (const topic of this.#topics) this.#hub.unsubscribe(topic, this.#subscriber);
    this.#topics.clear();
  }
}
