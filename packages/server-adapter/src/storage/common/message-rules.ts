/**
 * The rules both stores apply when a message is written: what a retried
 * operation answers, which messages may change, and why an attachment could
 * not be bound to a send. Each throws the `StorageError` the contract names.
 */
import type { Message } from '@parley/sdk/protocol';
import { StorageError } from '../errors.js';
import type { AppendResult, ChangeResult, MessageChange } from '../storage.js';
import type { ClientOpRow, MessageRow } from './message-rows.js';

/** A send whose key (`clientId`) was committed before: `conflict` unless that was a send too. */
export function assertSendKey(previous: ClientOpRow, clientId: string): void {
  if (previous.op !== 'send') throw new StorageError('conflict', `client id ${clientId} was used for a ${previous.op}`);
}

/** The answer to a retried send: its original message, or `gone` when retention removed it since. */
export function replayedSend(previous: ClientOpRow, original: Message | null): AppendResult {
  if (!original) throw new StorageError('gone', `message ${previous.message_id} was sent and later removed by retention`);
  return { message: original, duplicate: true, parent: null };
}

/** A change whose key was committed before: `conflict` unless that was the same kind of change to the same message. */
export function assertChangeKey(previous: ClientOpRow, messageId: string, clientId: string, change: MessageChange): void {
  if (previous.op !== change.kind || previous.message_id !== messageId) {
    throw new StorageError('conflict', `client id ${clientId} was used for another operation`);
  }
}

/** The answer to a retried change: the message as it is now, or `gone` when retention removed it. */
export function replayedChange(messageId: string, current: Message | null): ChangeResult {
  if (!current) throw new StorageError('gone', `message ${messageId} was removed by retention`);
  return { message: current, duplicate: true };
}

/**
 * The row `change` applies to: `not_found` without it, `conflict` for a
 * system message, and for anything but a delete of a deleted one (deleting
 * a tombstone again changes nothing).
 */
export function changeableRow(row: MessageRow | null | undefined, messageId: string, change: MessageChange): MessageRow {
  if (!row) throw new StorageError('not_found', `message ${messageId} not found`);
  if (row.kind === 'system') throw new StorageError('conflict', 'system messages cannot be changed');
  if (row.deleted_at !== null && change.kind !== 'delete') {
    throw new StorageError('conflict', `message ${messageId} is deleted`);
  }
  return row;
}

/** Why a send could not bind `attachmentId`: it does not exist, or it is used already or was uploaded by someone else or elsewhere. */
export function unboundAttachment(attachmentId: string, exists: boolean): StorageError {
  return exists
    ? new StorageError('conflict', `attachment ${attachmentId} is already used or not uploaded here`)
    : new StorageError('not_found', `attachment ${attachmentId} not found`);
}
