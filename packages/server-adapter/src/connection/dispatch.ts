/** Routes a validated request frame to its handler. */
import type { RequestFrame, RequestResult, RequestType } from '@parley/sdk/protocol';
import type { HandlerMap, RequestContext } from '../context.js';
import { callHandlers } from '../calls/call-handlers.js';
import { presenceHandlers } from '../presence/presence-handlers.js';
import { attachmentHandlers } from '../rooms/attachment-handlers.js';
import { invitationHandlers } from '../rooms/invitation-handlers.js';
import { messageHandlers } from '../rooms/message-handlers.js';
import { roomHandlers } from '../rooms/room-handlers.js';
import { syncHandlers } from '../rooms/sync-handlers.js';

/** Every request type has exactly one handler; the compiler checks the map is complete. */
const handlers: HandlerMap = {
  ...presenceHandlers,
  ...syncHandlers,
  ...roomHandlers,
  ...invitationHandlers,
  ...messageHandlers,
  ...attachmentHandlers,
  ...callHandlers,
};

/** Runs the handler of `frame.type`; throws what the handler throws. */
export function dispatch(ctx: RequestContext, frame: RequestFrame): Promise<RequestResult<RequestType>> {
  const handler = handlers[frame.type] as (ctx: RequestContext, args: RequestFrame) => Promise<RequestResult<RequestType>>;
  return handler(ctx, frame);
}
