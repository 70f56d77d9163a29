/**
 * Reads missed room events back from storage as the bus messages their
 * publishers sent, for the room-order layer of a cross-node bus
 * (`bus/room-order.ts`): every message changed after a rev, in its current
 * state, as `message` (new to this node) or `message.updated`.
 */
import { encodeEvent } from '@parley/sdk/protocol';
import type { EventFrame } from '@parley/sdk/protocol';
import type { BusMessage } from '../bus/bus.js';
import type { FillChanges } from '../bus/room-order.js';
import type { MessageStore } from '../storage/storage.js';

/** Messages read per fill page. */
const PAGE = 500;

/** A {@link FillChanges} over `storage`. */
export function storageFill(storage: MessageStore): FillChanges {
  return async (room, afterRev, lastSeq) => {
    const { messages, more } = await storage.changesSince(room, afterRev, PAGE);
    return {
      more,
      messages: messages.map((message): BusMessage => {
        const known = lastSeq !== null && message.seq <= lastSeq;
        const event: EventFrame = known ? { type: 'message.updated', message } : { type: 'message', message };
        return { frame: encodeEvent(event), seq: known ? undefined : message.seq, rev: message.rev };
      }),
    };
  };
}
