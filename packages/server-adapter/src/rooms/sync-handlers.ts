/** Resume (`sync`), read markers and typing indicators. */
import type { RoomSync } from '@parley/sdk/protocol';
import type { HandlerMap } from '../handlers/services.js';
import { memberOf } from './access.js';

/** Resume, receipt and typing requests. */
export const syncHandlers: HandlerMap<'sync' | 'receipt' | 'typing'> = {
  async sync(ctx, args) {
    const { storage, options } = ctx.services;
    const rooms: RoomSync[] = [];
    const seen = new Set<string>();
    for (const cursor of args.rooms) {
      if (seen.has(cursor.room)) continue;
      seen.add(cursor.room);
      const room = await storage.getRoom(cursor.room);
      const member = room ? await storage.getMember(room.id, ctx.user.id) : null;
      if (!room || !member) {
        // Same answer for "never existed" and "no longer yours": nothing leaks.
        rooms.push({ room: cursor.room, messages: [], gap: null, more: false, lastSeq: cursor.seq, rev: cursor.rev, removed: true });
        continue;
      }
      const { messages, more } = await storage.changesSince(room.id, cursor.rev, options.limits.maxPageSize);
      const gap = cursor.seq < room.floorSeq ? { from: cursor.seq + 1, to: room.floorSeq } : null;
      const newestRev = messages.reduce((max, m) => Math.max(max, m.rev), room.rev);
      const newestSeq = messages.reduce((max, m) => Math.max(max, m.seq), room.lastSeq);
      rooms.push({ room: room.id, messages, gap, more, lastSeq: newestSeq, rev: newestRev, removed: false });
    }
    return { rooms };
  },

  async receipt(ctx, args) {
    const { storage, publisher } = ctx.services;
    const me = ctx.user.id;
    const { room } = await memberOf(storage, args.room, me);
    const marks = await storage.setReceipt(room.id, me, args.delivered ?? null, args.read ?? null);
    const unread = await storage.unreadCount(room.id, me);
    const unreadTotal = await storage.unreadTotal(me);
    if (marks.changed) {
      ctx.defer(async () => {
        await publisher.toRoom(room.id, {
          type: 'receipt',
          room: room.id,
          user: me,
          readSeq: marks.readSeq,
          deliveredSeq: marks.deliveredSeq,
        });
        await publisher.toUser(me, { type: 'unread', room: room.id, readSeq: marks.readSeq, unread, unreadTotal });
      });
    }
    return { readSeq: marks.readSeq, deliveredSeq: marks.deliveredSeq, unread, unreadTotal };
  },

  async typing(ctx, args) {
    const { room } = await memberOf(ctx.services.storage, args.room, ctx.user.id);
    if (ctx.connection.allowTyping(room.id, args.typing, ctx.now)) {
      ctx.defer(async () => {
        await ctx.services.publisher.toRoom(room.id, { type: 'typing', room: room.id, user: ctx.user.id, typing: args.typing });
      });
    }
    return {};
  },
};
