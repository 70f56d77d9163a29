/**
 * A workspace document across server nodes. Every node that holds a room's
 * document in memory subscribes to the bus topic `yjs:<room>`; a node
 * publishes there each client update once it committed it, and every
 * awareness change of its own sockets at once. Other nodes apply what they
 * hear to their copy (without storing it again: the receiving node stored
 * it) and relay it to their sockets.
 *
 * The bus may drop messages (Redis pub/sub is at-most-once). Nothing is lost
 * for good: updates are in storage before they are published, so a node
 * reads the document again and applies what it lacks when the bus says it
 * may have missed something (a reconnect), and when a heard update leaves
 * its copy waiting for missing dependencies. Awareness needs no repair:
 * clients renew their state every 15 s, and a state nobody renewed for 30 s
 * is dropped, which also clears the cursors of a node that died.
 */
import { randomBytes } from 'node:crypto';
import type { Bus, BusMessage } from '../bus/bus.js';

/** A bus between nodes, as workspaces use it. */
export interface ClusterBus extends Bus {
  /** Resolves once a subscription to `topic` takes effect (messages published after that reach it). */
  whenSubscribed?(topic: string): Promise<void>;
  /** `listener` runs whenever messages may have been lost (on `topics`, or on every topic); returns an unsubscribe function. */
  onResync?(listener: (topics?: readonly string[]) => void): () => void;
}

/** What a document does with what it hears from other nodes. */
export interface DocClusterHandlers {
  /** A committed update from another node. */
  update(update: Uint8Array): void;
  /** An awareness update from another node (identities already enforced there). */
  awareness(update: Uint8Array): void;
  /** Messages may have been missed: read the document from storage again. */
  resync(): void;
  /** A malformed message on the bus (another node's bug); logged, never fatal. */
  malformed(reason: string): void;
}

/** The bus topic of a room's document. */
export function workspaceTopic(room: string): string {
  return `yjs:${room}`;
}

/** How long a load waits for its subscription before reading storage anyway (a resync follows once Redis is back). */
const SUBSCRIBE_WAIT_MS = 2_000;
const UPDATE = 'u';
const AWARENESS = 'a';

/** One loaded document's link to the other nodes; see the module comment. */
export class DocClusterLink {
  readonly #bus: ClusterBus;
  readonly #topic: string;
  readonly #handlers: DocClusterHandlers;
  /** Tells this document's own messages apart when the bus delivers them back to it. */
  readonly #origin = randomBytes(6).toString('base64url');
  /** Messages heard while the document loads; applied after the stored state. */
  #held: string[] | null = [];
  readonly #unsubscribe: () => void;
  readonly #stopResync: () => void;

  /** Subscribes at once; messages are held until {@link DocClusterLink.start}. */
  constructor(bus: ClusterBus, room: string, handlers: DocClusterHandlers) {
    this.#bus = bus;
    this.#topic = workspaceTopic(room);
    this.#handlers = handlers;
    this.#unsubscribe = bus.subscribe(this.#topic, (message: BusMessage) => this.#hear(message.frame));
    this.#stopResync =
      bus.onResync?.((topics) => {
        if (!topics || topics.includes(this.#topic)) handlers.resync();
      }) ?? (() => undefined);
  }

  /** Resolves once updates published from now on reach this node (bounded; see {@link SUBSCRIBE_WAIT_MS}). */
  async subscribed(): Promise<void> {
    const ready = this.#bus.whenSubscribed?.(this.#topic);
    if (!ready) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS);
    });
    await Promise.race([ready.catch(() => undefined), timeout]);
    clearTimeout(timer);
  }

  /** The document holds its stored state: applies what was heard meanwhile, then applies messages as they come. */
  start(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const frame of held) this.#apply(frame);
  }

  /** Sends a committed update to the other nodes. Resolves false when the bus refused it (they resync later). */
  publishUpdate(update: Uint8Array): Promise<boolean> {
    return this.#publish(UPDATE, update);
  }

  /** Sends an awareness change of this node's sockets to the other nodes. */
  publishAwareness(update: Uint8Array): Promise<boolean> {
    return this.#publish(AWARENESS, update);
  }

  /** Stops listening. */
  close(): void {
    this.#unsubscribe();
    this.#stopResync();
    this.#held = null;
  }

  #publish(kind: string, bytes: Uint8Array): Promise<boolean> {
    const frame = `${kind}${this.#origin}:${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
    return this.#bus.publish(this.#topic, { frame }).then(
      () => true,
      () => false,
    );
  }

  #hear(frame: string): void {
    if (this.#held) this.#held.push(frame);
    else this.#apply(frame);
  }

  #apply(frame: string): void {
    const colon = frame.indexOf(':');
    if (colon < 2) return this.#handlers.malformed('no origin');
    if (frame.slice(1, colon) === this.#origin) return; // our own, delivered back
    const bytes = new Uint8Array(Buffer.from(frame.slice(colon + 1), 'base64'));
    try {
      if (frame[0] === UPDATE) this.#handlers.update(bytes);
      else if (frame[0] === AWARENESS) this.#handlers.awareness(bytes);
      else this.#handlers.malformed(`unknown kind ${frame[0]}`);
    } catch (error) {
      this.#handlers.malformed(error instanceof Error ? error.message : String(error));
    }
  }
}
