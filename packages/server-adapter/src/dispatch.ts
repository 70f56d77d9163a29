/**
 * The request table: every request type routed to its handler. Built once
 * per server by the composition root (`server.ts`) and handed to the sockets
 * as a function, so sockets never import handlers and handlers never import
 * sockets.
 */
import type { RequestFrame, RequestResult, RequestType } from '@parley/sdk/protocol';
import type { CallCluster } from './calls/call-cluster.js';
import { callHandlers } from './calls/call-handlers.js';
import type { Dispatch, HandlerMap, RequestContext } from './handlers/services.js';
import { presenceHandlers } from './presence/presence-handlers.js';
import { attachmentHandlers } from './rooms/attachment-handlers.js';
import { invitationHandlers } from './rooms/invitation-handlers.js';
import { messageHandlers } from './rooms/message-handlers.js';
import { roomHandlers } from './rooms/room-handlers.js';
import { syncHandlers } from './rooms/sync-handlers.js';

/** The dispatch of one server; `callCluster` forwards call requests to other nodes (null on a single node). */
export function createDispatch(callCluster: CallCluster | null): Dispatch {
  // Every request type has exactly one handler; the compiler checks the map is complete.
  const handlers: HandlerMap = {
    ...presenceHandlers,
    ...syncHandlers,
    ...roomHandlers,
    ...invitationHandlers,
    ...messageHandlers,
    ...attachmentHandlers,
    ...callHandlers(callCluster),
  };
  return (ctx, frame) => {
    const handler = handlers[frame.type] as (ctx: RequestContext, args: RequestFrame) => Promise<RequestResult<RequestType>>;
    return handler(ctx, frame);
  };
}
