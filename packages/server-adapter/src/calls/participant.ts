/**
 * One user in one call, on one connection: their WebRTC transports (one per
 * direction), producers and consumers. Closing the participant closes the
 * transports, and mediasoup closes their producers and consumers with them.
 */
import type { CallEventFrame, CallProducerInfo, CallSource, TransportDirection, UserInfo } from '@parley/sdk/protocol';
import type { Consumer, Producer, WebRtcTransport } from 'mediasoup/types';

/** The socket a participant joined on: events for them are written there. */
export interface CallConnection {
  readonly id: string;
  /** Writes an encoded frame to the socket. */
  deliver(frame: string): void;
  /**
   * The participant is out of the room's call, for whatever reason (a
   * connection on another node hears it this way, see `call-cluster.ts`).
   */
  left?(room: string): void;
}

/** What a participant sends: a producer and where it came from. */
export interface ProducerEntry {
  producer: Producer;
  source: CallSource;
}

/** See the module comment. */
export class Participant {
  readonly user: UserInfo;
  readonly connection: CallConnection;
  readonly canProduce: boolean;
  readonly transports = new Map<string, { transport: WebRtcTransport; direction: TransportDirection }>();
  readonly producers = new Map<string, ProducerEntry>();
  readonly consumers = new Map<string, Consumer>();
  /** Events held until the join's answer has gone out, so the client never sees one before it. */
  #held: string[] | null = [];
  #closed = false;

  constructor(user: UserInfo, connection: CallConnection, canProduce: boolean) {
    this.user = user;
    this.connection = connection;
    this.canProduce = canProduce;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The transport of one direction, if created. */
  transportFor(direction: TransportDirection): WebRtcTransport | null {
    for (const entry of this.transports.values()) if (entry.direction === direction) return entry.transport;
    return null;
  }

  /** The producer of one source, if any. */
  producerFor(source: CallSource): ProducerEntry | null {
    for (const entry of this.producers.values()) if (entry.source === source) return entry;
    return null;
  }

  /** Producers as others see them. */
  producerInfos(): CallProducerInfo[] {
    return [...this.producers.values()].map(({ producer, source }) => ({
      id: producer.id,
      user: this.user.id,
      kind: producer.kind,
      source,
      paused: producer.paused,
    }));
  }

  /** Sends an event to this participant (held until {@link release} after the join). */
  send(event: CallEventFrame): void {
    if (this.#closed) return;
    const text = JSON.stringify(event);
    if (this.#held) this.#held.push(text);
    else this.connection.deliver(text);
  }

  /** The join was answered: deliver what was held and everything from now on. */
  release(): void {
    const held = this.#held;
    this.#held = null;
    if (this.#closed || !held) return;
    for (const text of held) this.connection.deliver(text);
  }

  /** Closes the transports and with them every producer and consumer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#held = null;
    for (const { transport } of this.transports.values()) transport.close();
    // Closed with their transports already; close() again is a no-op, kept for clarity of ownership.
    for (const { producer } of this.producers.values()) producer.close();
    for (const consumer of this.consumers.values()) consumer.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
  }
}
