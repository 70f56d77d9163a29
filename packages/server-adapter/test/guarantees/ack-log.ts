/**
 * Every mutation the server acknowledged to any client of the run, keyed by
 * (user, clientId), with what the first ack said. A later ack for the same
 * key (a retry after a lost ack) must name the same message.
 */
import type { Message } from '@parley/sdk/protocol';
import type { Findings } from './findings.js';

/** The mutating operations. */
export type MutationKind = 'send' | 'edit' | 'delete' | 'react';

/** Request types of the mutating operations, by kind. */
export const MUTATION_TYPES: Readonly<Record<string, MutationKind>> = {
  'message.send': 'send',
  'message.edit': 'edit',
  'message.delete': 'delete',
  'message.react': 'react',
};

/** The arguments of a mutation frame that matter here. */
export interface MutationArgs {
  clientId: string;
  room?: string;
  messageId?: string;
  text?: string;
  parentId?: string;
  emoji?: string;
  on?: boolean;
}

/** One acknowledged mutation. */
export interface AckedMutation {
  user: string;
  /** Which client of the run issued it. */
  client: string;
  kind: MutationKind;
  args: MutationArgs;
  /** The message the first ack carried. */
  message: Message;
  /** When the client first sent it, among that client's mutations (replay keeps this order). */
  order: number;
  /** Through which node, and when, the first ack came (for notes). */
  where: string;
}

/** See the module comment. */
export class AckLog {
  readonly #byKey = new Map<string, AckedMutation>();

  constructor(private readonly findings: Findings) {}

  /** Records an ack; a repeated key must carry the same message id (and seq, for sends). */
  record(entry: AckedMutation): void {
    const key = `${entry.user}\n${entry.args.clientId}`;
    const first = this.#byKey.get(key);
    if (!first) {
      this.#byKey.set(key, entry);
      this.findings.figures.acked += 1;
      return;
    }
    const same = first.message.id === entry.message.id && (entry.kind !== 'send' || first.message.seq === entry.message.seq);
    if (!same || first.kind !== entry.kind) {
      this.findings.fail(
        'duplicated',
        `${entry.client} ${entry.kind} ${entry.args.clientId}: a retry was answered with message ${entry.message.id} seq ${entry.message.seq}, the first ack with ${first.message.id} seq ${first.message.seq}`,
      );
    }
  }

  /** Every acknowledged mutation, in no particular order. */
  all(): AckedMutation[] {
    return [...this.#byKey.values()];
  }
}
