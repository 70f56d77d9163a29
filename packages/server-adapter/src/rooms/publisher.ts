/** Encodes each event once and publishes it to a room's or a user's topic. */
import { encodeEvent } from '@parley/sdk/protocol';
import type { EventFrame } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import type { Bus, BusMessage } from '../bus/bus.js';
import { roomTopic, userTopic } from '../bus/topics.js';

/** Publishes events; a bus failure is logged, never thrown, because the change it reports is already committed. */
export class Publisher {
  readonly #bus: Bus;
  readonly #logger: Logger;

  /** Creates a publisher over `bus`. */
  constructor(bus: Bus, logger: Logger) {
    this.#bus = bus;
    this.#logger = logger;
  }

  /**
   * Sends `event` to everyone subscribed to the room; `seq` marks a new
   * message. An event that adds or changes a message carries its rev, by
   * which other nodes order the room's events and find gaps. Resolves with
   * the frame's UTF-8 bytes: what each member's socket is sent.
   */
  async toRoom(room: string, event: EventFrame, seq?: number): Promise<number> {
    const rev = event.type === 'message' || event.type === 'message.updated' ? event.message.rev : undefined;
    const frame = encodeEvent(event);
    await this.#publish(roomTopic(room), { frame, seq, rev });
    return Buffer.byteLength(frame, 'utf8');
  }

  /** Sends `event` to all of one user's connections; `membership` updates their room subscriptions. */
  async toUser(user: string, event: EventFrame, membership?: { room: string; member: boolean }): Promise<void> {
    await this.#publish(userTopic(user), { frame: encodeEvent(event), membership });
  }

  async #publish(topic: string, message: BusMessage): Promise<void> {
    try {
      await this.#bus.publish(topic, message);
    } catch (error) {
      this.#logger.error({ err: error, topic }, 'bus publish failed');
    }
  }
}
