/**
 * Counts the live mediasoup objects of this server's workers — routers,
 * transports, producers, consumers — from mediasoup's own observer events,
 * not from the call bookkeeping. So the `/metrics` gauges (and the tests that
 * read them) show what mediasoup really holds: a transport the call code
 * forgot to close stays counted.
 */
import type { Router, Transport, Worker } from 'mediasoup/types';

/** Live object counts. */
export interface MediaCounts {
  workers: number;
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
}

/** Follows every object created under the workers it is given. */
export class MediaCounter {
  readonly counts: MediaCounts = { workers: 0, routers: 0, transports: 0, producers: 0, consumers: 0 };

  /** Starts counting a worker and everything created under it. */
  watch(worker: Worker): void {
    this.#track('workers', worker.observer);
    worker.observer.on('newrouter', (router: Router) => {
      this.#track('routers', router.observer);
      router.observer.on('newtransport', (transport: Transport) => {
        this.#track('transports', transport.observer);
        transport.observer.on('newproducer', (producer) => this.#track('producers', producer.observer));
        transport.observer.on('newconsumer', (consumer) => this.#track('consumers', consumer.observer));
      });
    });
  }

  #track(kind: keyof MediaCounts, observer: { once(event: 'close', listener: () => void): unknown }): void {
    this.counts[kind]++;
    observer.once('close', () => {
      this.counts[kind]--;
    });
  }
}
