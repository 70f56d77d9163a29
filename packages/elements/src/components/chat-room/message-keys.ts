import type { LocalMessage } from '@parley/sdk';

/** A stable key across the pending → committed switch (the id changes, the client id does not). */
export function keyOf(message: LocalMessage): string {
  return message.clientId ? `${message.sender}:${message.clientId}` : message.id;
}

/** What `room.retry` / `discard` and changes to own messages address: the client id until committed. */
export function handleOf(message: LocalMessage): string {
  return message.status === 'pending' || message.status === 'failed' ? (message.clientId ?? message.id) : message.id;
}
