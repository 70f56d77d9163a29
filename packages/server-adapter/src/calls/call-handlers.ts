/**
 * The `call.*` requests. Only members of a room join its call
 * (`call.join` in the policy table); sending media needs `call.produce`
 * (moderators and up in broadcast rooms) and not being muted in the room.
 * Every other request acts on the caller's own participant in the call,
 * on the connection that joined.
 *
 * With several nodes, each request goes to the node hosting the room's
 * call (`call-cluster.ts`), which runs the same handler there.
 */
import { ErrorCode } from '@parley/sdk/protocol';
import type { CallRequests } from '@parley/sdk/protocol';
import type { HandlerMap, RequestContext } from '../handlers/services.js';
import { RequestError } from '../errors.js';
import { isMuted, memberOf } from '../rooms/access.js';
import { can } from '../rooms/policy.js';
import { closeProducer, connectTransport, consume, createTransport, produce, restartIce, resumeConsumer, setProducerPaused } from './call-media.js';
import type { CallCluster } from './call-cluster.js';
import type { CallMembership } from './call-service.js';

/** The caller's participant in the room's call. */
function mine(ctx: RequestContext, room: string): CallMembership {
  return ctx.services.calls.membership(room, ctx.user.id, ctx.connection.id);
}

/** Whether the member may send media now (role, room kind, room mute). */
async function mayProduce(ctx: RequestContext, room: string): Promise<boolean> {
  const access = await memberOf(ctx.services.storage, room, ctx.user.id);
  return can('call.produce', { kind: access.room.kind, actor: access.member.role }) && !isMuted(access.member, ctx.now);
}

/** Handlers of every call request, acting on this node's calls. */
export const localCallHandlers: HandlerMap<keyof CallRequests> = {
  async 'call.join'(ctx, { room }) {
    const { calls } = ctx.services;
    const access = await memberOf(ctx.services.storage, room, ctx.user.id);
    if (!can('call.join', { kind: access.room.kind, actor: access.member.role })) {
      throw new RequestError(ErrorCode.Forbidden, 'you may not join calls in this room');
    }
    const canProduce = can('call.produce', { kind: access.room.kind, actor: access.member.role }) && !isMuted(access.member, ctx.now);
    const { call, participant, others } = await calls.join(room, ctx.user, ctx.connection, canProduce);
    // Events for the new participant wait until this answer is on the wire.
    ctx.defer(() => {
      participant.release();
      return Promise.resolve();
    });
    return {
      routerRtpCapabilities: call.router.rtpCapabilities as unknown as Record<string, unknown>,
      participants: others,
      canProduce,
      iceServers: calls.options.iceServers,
    };
  },

  'call.leave'(ctx, { room }) {
    ctx.services.calls.leave(room, ctx.user.id, ctx.connection.id);
    return Promise.resolve({});
  },

  async 'call.transport.create'(ctx, { room, direction }) {
    const { call, participant } = mine(ctx, room);
    const release = ctx.services.calls.reserveTransport(ctx.user.id);
    try {
      return await createTransport(ctx.services.calls.options, participant, call, direction);
    } finally {
      release();
    }
  },

  async 'call.transport.connect'(ctx, args) {
    await connectTransport(mine(ctx, args.room).participant, args);
    return {};
  },

  async 'call.transport.restartIce'(ctx, { room, transportId }) {
    return { iceParameters: await restartIce(mine(ctx, room).participant, transportId) };
  },

  async 'call.produce'(ctx, args) {
    const { call, participant } = mine(ctx, args.room);
    // Checked again on every produce: the role or a room mute may have changed since joining.
    if (!(await mayProduce(ctx, args.room))) throw new RequestError(ErrorCode.Forbidden, 'you may not send media in this room');
    return { producerId: await produce(ctx.services.options.limits, call, participant, args) };
  },

  async 'call.producer.pause'(ctx, { room, producerId }) {
    const { call, participant } = mine(ctx, room);
    await setProducerPaused(call, participant, producerId, true);
    return {};
  },

  async 'call.producer.resume'(ctx, { room, producerId }) {
    const { call, participant } = mine(ctx, room);
    if (!(await mayProduce(ctx, room))) throw new RequestError(ErrorCode.Forbidden, 'you may not send media in this room');
    await setProducerPaused(call, participant, producerId, false);
    return {};
  },

  'call.producer.close'(ctx, { room, producerId }) {
    const { call, participant } = mine(ctx, room);
    closeProducer(call, participant, producerId);
    return Promise.resolve({});
  },

  async 'call.consume'(ctx, args) {
    const { call, participant } = mine(ctx, args.room);
    return consume(call, participant, args);
  },

  async 'call.consumer.resume'(ctx, { room, consumerId }) {
    await resumeConsumer(mine(ctx, room).participant, consumerId);
    return {};
  },
};

/**
 * Handlers of every call request: on one node (`cluster` null) the local
 * ones; with several, a request for a call another node hosts is forwarded there.
 */
export function callHandlers(cluster: CallCluster | null): HandlerMap<keyof CallRequests> {
  if (!cluster) return localCallHandlers;
  return Object.fromEntries(
    Object.keys(localCallHandlers).map((type) => [type, (ctx: RequestContext, args: { room: string }) => cluster.handle(ctx, type as keyof CallRequests, args)]),
  ) as unknown as HandlerMap<keyof CallRequests>;
}
