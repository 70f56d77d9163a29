/**
 * What an outbox entry becomes on the wire, and what its ack changes. The
 * outbox replays entries through {@link sendOutboxEntry}; an acked send's
 * server id is remembered, so edits queued against it find the message even
 * when it is out of view.
 */
import type { RoomRegistry } from '../chat/room-registry.js';
import type { OutboxEntry } from '../offline/types.js';
import type { RequestArgs, RequestResult, RequestType } from '../protocol/frames.js';
import type { Message } from '../protocol/model.js';

/** Sends one protocol request and resolves with its result. */
export type Requester = <T extends RequestType>(type: T, args: RequestArgs<T>) => Promise<RequestResult<T>>;

/** Sends `entry` as its request; `messageId` is the server id of the message it changes (edits, deletes, reactions). */
export function sendOutboxEntry(request: Requester, entry: OutboxEntry, messageId: string | null): Promise<unknown> {
  const { clientId } = entry;
  switch (entry.kind) {
    case 'send': {
      const args: RequestArgs<'message.send'> = { room: entry.room, clientId, text: entry.text };
      if (entry.parentId !== null) args.parentId = entry.parentId;
      if (entry.attachments.length) args.attachments = entry.attachments.map((a) => a.id);
      if (entry.data !== undefined) args.data = entry.data;
      return request('message.send', args);
    }
    case 'edit':
      return request('message.edit', { messageId: messageId ?? '', clientId, text: entry.text });
    case 'delete':
      return request('message.delete', { messageId: messageId ?? '', clientId });
    case 'react':
      return request('message.react', { messageId: messageId ?? '', clientId, emoji: entry.emoji, on: entry.on });
    case 'read':
      return request('receipt', { room: entry.room, read: entry.seq });
  }
}

/** Merges the message an ack returned; `sentIds` learns the server id of an acked send (clientId → id). */
export function applyOutboxAck(registry: RoomRegistry, sentIds: Map<string, string>, entry: OutboxEntry, result: unknown): void {
  if (entry.kind === 'read') return;
  const { message } = result as { message: Message };
  // Changes queued against this send need its server id even if the message is out of view.
  if (entry.kind === 'send') sentIds.set(entry.clientId, message.id);
  registry.applyMessage(message, 'ack');
  registry.touch(entry.room);
}
