/** Heartbeat and presence requests. */
import type { HandlerMap } from '../handlers/services.js';

/** `ping` (the heartbeat), `presence.set` and `presence.get`. */
export const presenceHandlers: HandlerMap<'ping' | 'presence.set' | 'presence.get'> = {
  ping(ctx) {
    ctx.services.presence.heartbeat(ctx.user.id, ctx.now);
    return Promise.resolve({ t: ctx.now });
  },

  'presence.set'(ctx, args) {
    ctx.services.presence.set(ctx.user.id, args.status, ctx.now);
    return Promise.resolve({});
  },

  async 'presence.get'(ctx, args) {
    const me = ctx.user.id;
    const asked = [...new Set(args.users)];
    // Only people who share a room with the asker, and neither blocked the other, show their status;
    // everyone else looks offline with no last-seen time, the same as a user who never connected.
    const visible = new Set(await ctx.services.storage.visiblePeers(me, asked.filter((user) => user !== me)));
    visible.add(me);
    const known = ctx.services.presence.get(asked.filter((user) => visible.has(user)));
    const byUser = new Map(known.map((info) => [info.user, info]));
    return { presence: asked.map((user) => byUser.get(user) ?? { user, status: 'offline' as const, lastSeen: null }) };
  },
};
