/**
 * Reads missed room messages back from storage as the bus messages their
 * publisher sent (`{ type: 'message', message }` with its seq), for the
 * room-order layer of a cross-node bus (`bus/room-order.ts`).
 */
import type { EventFrame, Message } from '@parley/sdk/protocol';
import type { BusMessage } from '../bus/bus.js';
import type { FillMessages } from '../bus/room-order.js';
import type { Storage } from '../storage/storage.js';

/** Messages read per storage page while filling. */
const PAGE = 500;

/** Most messages one fill delivers; a node further behind delivers the newest and leaves the rest to client resume. */
const MAX_FILL = 5_000;

/** A {@link FillMessages} over `storage`. */
export function storageFill(storage: Storage): FillMessages {
  return async (room, after, before) => {
    let end = before;
    if (end === null) {
      const stored = await storage.getRoom(room);
      if (!stored) return [];
      end = stored.lastSeq + 1;
    }
    const found: Message[] = [];
    let cursor = end;
    // history pages backwards from `cursor`; collect until `after` or the cap.
    for (let page = 0; page < MAX_FILL / PAGE && cursor - 1 > after; page++) {
      const size = Math.min(PAGE, cursor - 1 - after);
      const { messages, hasMore } = await storage.history(room, cursor, size);
      found.unshift(...messages.filter((m) => m.seq > after));
      if (!hasMore || messages.length === 0) break;
      cursor = messages[0].seq;
    }
    return found.map((message): BusMessage => {
      const event: EventFrame = { type: 'message', message };
      return { frame: JSON.stringify(event), seq: message.seq };
    });
  };
}
