/**
 * The fan-out bus: delivers events to every server node's subscribers of a
 * topic. In-process by default; a Redis implementation can replace it without
 * touching the room logic.
 *
 * Topics: `room:<id>` for a room's events, `user:<id>` for one user's devices
 * (named through `topics.ts`).
 * Payloads are encoded frames (strings) so a broadcast is serialized once and
 * the same bytes are written to every socket.
 */
/** The state of one dependency of this node (the bus's own, or storage's), as `/healthz` reports it. */
export interface HealthCheck {
  /**
   * `ok`; `down`: not reachable, or not set up yet (a subscription not in
   * place); `stalled`: connected, but no answer within its bound.
   */
  status: 'ok' | 'down' | 'stalled';
  /** Why it is not ok, for operators. */
  reason?: string;
  /** Since when (epoch ms) it has not been ok. */
  since?: number;
}

/** One event on a topic. */
export interface BusMessage {
  /** The encoded server frame to deliver. */
  frame: string;
  /** The room sequence number the frame carries, when it carries a new message. */
  seq?: number;
  /** The room rev the frame's message carries, when it adds or changes a message (for order and gap detection across nodes). */
  rev?: number;
  /**
   * Set on `user:` topic messages that change which rooms the user belongs to
   * (`room.added` / `room.removed`), so every node updates the room
   * subscriptions of that user's connections before or after delivering the frame.
   */
  membership?: { room: string; member: boolean };
  /**
   * Epoch ms after which nobody waits for the message any more (a request
   * whose sender gives up then): a bus that could not send it to the other
   * nodes by then drops it rather than deliver it late.
   */
  expiresAt?: number;
}

export type BusHandler = (message: BusMessage, topic: string) => void;

/** The fan-out bus; see the module comment. */
export interface Bus {
  /**
   * True when every subscriber lives in this process (the single-node
   * default): nothing needs to cross to other nodes, so presence digests,
   * workspace updates and call forwarding stay local.
   */
  readonly local?: boolean;
  /**
   * Delivers to this node's subscribers before it resolves, and hands the
   * message on for the other nodes without waiting for them: request answers
   * wait for it, so a slow or absent peer must never hold it up.
   */
  publish(topic: string, message: BusMessage): Promise<void>;
  /** Subscribes; returns a function that removes this subscription. */
  subscribe(topic: string, handler: BusHandler): () => void;
  close(): Promise<void>;
  /** Whether this node can hear and reach the other nodes (cached, never waits); absent on a single node. */
  health?(): HealthCheck;
}
