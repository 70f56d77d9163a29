/**
 * What every checker client shares: the member interface the run drives,
 * how often sockets are cut, and the bounded loop of actions.
 */
import type { Message } from '@parley/sdk/protocol';
import type { NodeRouter } from './node-router.js';
import type { WireTracker } from './wire-tracker.js';

/** Reactions the workload toggles. */
export const EMOJIS: readonly string[] = ['👍', '🎉', '👀'];

/** Probabilities of cutting a client's socket. */
export interface CutRates {
  /** Per action: cut at a random moment. */
  random: number;
  /** Per mutation ack: swallow it and cut (the server committed, the client never heard). */
  lostAck: number;
  /** Per live event that skipped ahead of what the client held: cut right after it. */
  skipAhead: number;
}

/** A client of the run, SDK or raw. */
export interface Member {
  readonly name: string;
  readonly router: NodeRouter;
  readonly tracker: WireTracker;
  /** When it last received a frame (for the quiet period). */
  readonly lastFrameAt: number;
  /** Whether its socket is up. */
  readonly connected: boolean;
  /** One action of the workload; resolves within a bounded time. */
  step(): Promise<void>;
  /** Cuts its socket now (`why` shows in notes about that connection). */
  cut(why: string): void;
  /** Waits (until `deadline`) to be connected with every mutation acknowledged or refused. */
  settle(deadline: number): Promise<boolean>;
  /** Its messages of `room` in seq order (committed ones only). */
  view(room: string): Message[];
  /** Ends it for good. */
  close(): void | Promise<void>;
}

/** Resolves after `ms`. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `member`'s actions until `stop()` says so, `maxActions` were taken or
 * `deadline` passed, with a short random pause between them.
 */
export async function act(member: Member, options: { maxActions: number; deadline: number; stop: () => boolean; gap: () => number }): Promise<number> {
  let actions = 0;
  while (actions < options.maxActions && !options.stop() && Date.now() < options.deadline) {
    await member.step();
    actions += 1;
    await pause(options.gap());
  }
  return actions;
}
