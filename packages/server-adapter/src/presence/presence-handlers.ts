/** Heartbeat and presence requests. */
import type { HandlerMap } from '../context.js';

/** `ping` (the heartbeat), `presence.set` and `presence.get`. */
export const presenceHandlers: HandlerMap<'ping' | 'presence.set' | 'presence.get'> = {
  ping(ctx) {
    ctx.server.presence.heartbeat(ctx.user.id, ctx.now);
    return Promise.resolve({ t: ctx.now });
  },

  'presence.set'(ctx, args) {
    ctx.server.presence.set(ctx.user.id, args.status, ctx.now);
    return Promise.resolve({});
  },

  'presence.get'(ctx, args) {
    return Promise.resolve({ presence: ctx.server.presence.get([...new Set(args.users)]) });
  },
};
