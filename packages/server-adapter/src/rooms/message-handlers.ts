/** Requests that write and read messages. */
import { ErrorCode } from '@parley/sdk/protocol';
import type { AttachmentInfo, Message } from '@parley/sdk/protocol';
import type { HandlerMap, RequestContext } from '../handlers/services.js';
import { RequestError } from '../errors.js';
import type { ModerationVerdict } from '../options.js';
import type { FanoutCharge } from '../quotas/fanout-budget.js';
import type { MessageChange, StoredRoom } from '../storage/storage.js';
import { isMuted, memberOf, messageFor, pageSize } from './access.js';
import { customDataProblem } from './custom-data.js';
import { isReaction } from './emoji.js';
import { sendEstimate, updateEstimate } from './fanout-estimate.js';
import { messageIdFor } from './ids.js';
import { mentionCandidates } from './mentions.js';
import { can } from './policy.js';
import { directPeer } from './views.js';

function checkText(ctx: RequestContext, text: string): void {
  const max = ctx.services.options.limits.maxTextLength;
  if (text.length > max) throw new RequestError(ErrorCode.TextTooLong, `text is longer than ${max} characters`);
}

/** The `@id` mentions of `text` that name members of the room. */
async function mentionsIn(ctx: RequestContext, room: string, text: string): Promise<string[]> {
  const mentions: string[] = [];
  for (const candidate of mentionCandidates(text)) {
    if (await ctx.services.storage.getMember(room, candidate)) mentions.push(candidate);
  }
  return mentions;
}

/** Runs the host's moderation hook; a throwing hook fails the request (nothing is stored). */
async function moderate(
  ctx: RequestContext,
  room: StoredRoom,
  text: string,
  parentId: string | null,
  attachments: AttachmentInfo[],
  edit: boolean,
): Promise<'allow' | 'flag'> {
  const hooks = ctx.services.options.hooks;
  if (!hooks.moderateMessage) return 'allow';
  let verdict: ModerationVerdict;
  try {
    verdict = await hooks.moderateMessage({
      user: ctx.user,
      room: { id: room.id, kind: room.kind, name: room.name },
      text,
      parentId,
      attachments,
      edit,
    });
  } catch (error) {
    ctx.services.logger.error({ err: error }, 'moderation hook failed');
    throw new RequestError(ErrorCode.Internal, 'moderation is unavailable');
  }
  if (verdict === 'allow') return 'allow';
  if (verdict.action === 'reject') throw new RequestError(ErrorCode.Rejected, verdict.reason || 'rejected by moderation');
  return 'flag';
}

/** Attachments named by a send: uploaded by the sender to this room and not used yet. */
async function attachmentsFor(ctx: RequestContext, room: string, ids: string[]): Promise<AttachmentInfo[]> {
  if (ids.length > ctx.services.options.limits.maxAttachmentsPerMessage) {
    throw new RequestError(ErrorCode.BadRequest, 'too many attachments');
  }
  const out: AttachmentInfo[] = [];
  for (const id of ids) {
    const a = await ctx.services.storage.getAttachment(id);
    if (!a || a.uploader !== ctx.user.id || a.room !== room) throw new RequestError(ErrorCode.NotFound, `no such attachment ${id}`);
    if (a.messageId !== null) throw new RequestError(ErrorCode.Conflict, `attachment ${id} is already used`);
    out.push({ id: a.id, name: a.name, type: a.type, size: a.size });
  }
  return out;
}

/**
 * `message` when (user, clientId) already committed this very change: a retry
 * after a lost ack is answered like the original, whatever changed since (the
 * message deleted, the user muted), and changes nothing. Any other use of the
 * pair is a conflict.
 */
async function replayOf(ctx: RequestContext, kind: MessageChange['kind'], message: Message, clientId: string): Promise<Message | null> {
  const done = await ctx.services.storage.clientOperation(ctx.user.id, clientId);
  if (!done) return null;
  if (done.op !== kind || done.messageId !== message.id) {
    throw new RequestError(ErrorCode.Conflict, `client id ${clientId} was used for another operation`);
  }
  return message;
}

async function publishUpdated(ctx: RequestContext, message: Message): Promise<void> {
  await ctx.services.publisher.toRoom(message.room, { type: 'message.updated', message });
}

/** Publishes a change's event after its ack and settles its fan-out reservation to the bytes that went out. */
function deferUpdated(ctx: RequestContext, message: Message, charge: FanoutCharge): void {
  ctx.defer(async () => charge.settle(await ctx.services.publisher.toRoom(message.room, { type: 'message.updated', message })));
}

/** Runs a storage change; a failure gives its fan-out reservation back. */
async function settleOnFailure<T>(charge: FanoutCharge, change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    charge.settle(0);
    throw error;
  }
}

/** Message requests. */
export const messageHandlers: HandlerMap<
  | 'message.send'
  | 'message.edit'
  | 'message.delete'
  | 'message.react'
  | 'message.history'
  | 'message.thread'
  | 'message.edits'
  | 'search'
> = {
  async 'message.send'(ctx, args) {
    const { storage, metrics } = ctx.services;
    const me = ctx.user.id;
    const id = messageIdFor(me, args.clientId);
    // A retry of a committed send: answer with the original, whatever changed since.
    const original = await storage.getMessage(id);
    if (original && original.sender === me) return { message: original };

    const { room, member } = await memberOf(storage, args.room, me);
    checkText(ctx, args.text);
    const attachmentIds = [...new Set(args.attachments ?? [])];
    const data = args.data ?? null;
    if (args.text.trim() === '' && attachmentIds.length === 0 && data === null) throw new RequestError(ErrorCode.BadRequest, 'empty message');
    const dataProblem = data === null ? null : customDataProblem(data);
    if (dataProblem) throw new RequestError(ErrorCode.PayloadTooLarge, dataProblem);
    if (!can('post', { kind: room.kind, actor: member.role })) throw new RequestError(ErrorCode.Forbidden, 'only moderators post here');
    if (isMuted(member, ctx.now)) throw new RequestError(ErrorCode.Muted, 'you are muted in this room');
    const peer = directPeer(room, me);
    if (peer !== null && peer !== me && (await storage.isBlockedEither(me, peer))) {
      throw new RequestError(ErrorCode.Blocked, 'one of you blocked the other');
    }
    // Before the costlier checks (parent, attachments, the moderation hook,
    // mentions), so a flood is refused cheaply; what the estimate leaves out
    // (attachments, mentions) is charged when the event has gone out.
    const estimate = sendEstimate({ id, room: room.id, sender: me, clientId: args.clientId, text: args.text, parentId: args.parentId ?? null, now: ctx.now });
    const charge = ctx.services.quotas.fanout.reserve(me, room.id, estimate, ctx.now);
    let result;
    try {
      let parentId: string | null = null;
      if (args.parentId !== undefined) {
        const parent = await storage.getMessage(args.parentId);
        if (!parent || parent.room !== room.id) throw new RequestError(ErrorCode.NotFound, 'no such parent message');
        if (parent.kind === 'system') throw new RequestError(ErrorCode.BadRequest, 'cannot reply to a system message');
        // Threads are one level deep: a reply to a reply joins the root's thread.
        parentId = parent.parentId ?? parent.id;
      }
      const attachments = await attachmentsFor(ctx, room.id, attachmentIds);
      const verdict = await moderate(ctx, room, args.text, parentId, attachments, false);
      const mentions = await mentionsIn(ctx, room.id, args.text);

      const committed = storage.appendMessage({
        id,
        room: room.id,
        sender: me,
        clientId: args.clientId,
        text: args.text,
        parentId,
        mentions,
        attachmentIds,
        flagged: verdict === 'flag',
        now: ctx.now,
        data,
      });
      // Handed over in frame order: the client's next frames may start while this commits.
      ctx.committing();
      result = await committed;
    } catch (error) {
      charge.settle(0);
      throw error;
    }
    metrics.commitSeconds.observe((Date.now() - ctx.receivedAt) / 1000);
    if (result.duplicate) {
      charge.settle(0);
    } else {
      const { message, parent } = result;
      ctx.defer(async () => {
        let bytes = await ctx.services.publisher.toRoom(message.room, { type: 'message', message }, message.seq);
        if (parent) bytes += await ctx.services.publisher.toRoom(parent.room, { type: 'message.updated', message: parent });
        charge.settle(bytes);
      });
    }
    return { message: result.message };
  },

  async 'message.edit'(ctx, args) {
    const { storage } = ctx.services;
    const { message, room, member } = await messageFor(storage, args.messageId, ctx.user.id);
    const replay = await replayOf(ctx, 'edit', message, args.clientId);
    if (replay) return { message: replay };
    if (message.sender !== ctx.user.id || message.kind !== 'user') {
      throw new RequestError(ErrorCode.Forbidden, 'only the sender can edit a message');
    }
    if (message.deletedAt !== null) throw new RequestError(ErrorCode.Forbidden, 'the message was deleted');
    if (isMuted(member, ctx.now)) throw new RequestError(ErrorCode.Muted, 'you are muted in this room');
    checkText(ctx, args.text);
    if (args.text.trim() === '' && message.attachments.length === 0) {
      throw new RequestError(ErrorCode.BadRequest, 'empty message');
    }
    // Before the moderation hook, as for a send; new mentions are charged when the event has gone out.
    const charge = ctx.services.quotas.fanout.reserve(ctx.user.id, room.id, updateEstimate(message, { text: args.text, editedAt: ctx.now }), ctx.now);
    const result = await settleOnFailure(charge, async () => {
      await moderate(ctx, room, args.text, message.parentId, message.attachments, true);
      const mentions = await mentionsIn(ctx, room.id, args.text);
      return storage.changeMessage(message.id, ctx.user.id, args.clientId, { kind: 'edit', text: args.text, mentions }, ctx.now);
    });
    if (result.duplicate) charge.settle(0);
    else deferUpdated(ctx, result.message, charge);
    return { message: result.message };
  },

  async 'message.delete'(ctx, args) {
    const { storage } = ctx.services;
    const { message, room, member } = await messageFor(storage, args.messageId, ctx.user.id);
    const replay = await replayOf(ctx, 'delete', message, args.clientId);
    if (replay) return { message: replay };
    if (message.kind === 'system') throw new RequestError(ErrorCode.Forbidden, 'system messages cannot be deleted');
    if (message.sender !== ctx.user.id && !can('deleteAny', { kind: room.kind, actor: member.role })) {
      throw new RequestError(ErrorCode.Forbidden, "you may not delete others' messages here");
    }
    if (message.deletedAt !== null) return { message };
    const result = await storage.changeMessage(message.id, ctx.user.id, args.clientId, { kind: 'delete' }, ctx.now);
    // The files go before the ack: once it arrives, nothing can download them.
    if (message.attachments.length > 0) await ctx.services.eraser.run();
    if (!result.duplicate) ctx.defer(() => publishUpdated(ctx, result.message));
    return { message: result.message };
  },

  async 'message.react'(ctx, args) {
    const { storage } = ctx.services;
    const { message, room, member } = await messageFor(storage, args.messageId, ctx.user.id);
    const replay = await replayOf(ctx, 'react', message, args.clientId);
    if (replay) return { message: replay };
    if (!isReaction(args.emoji)) throw new RequestError(ErrorCode.BadRequest, 'a reaction must be an emoji or :shortcode:');
    if (!can('react', { kind: room.kind, actor: member.role })) throw new RequestError(ErrorCode.Forbidden, 'you may not react here');
    if (isMuted(member, ctx.now)) throw new RequestError(ErrorCode.Muted, 'you are muted in this room');
    if (message.deletedAt !== null) throw new RequestError(ErrorCode.Forbidden, 'the message was deleted');
    // A reaction sends the whole message again: on a long one, as many bytes as a long send.
    const reactors = message.reactions[args.emoji] ?? [];
    const estimate = updateEstimate(message, { reactions: { ...message.reactions, [args.emoji]: [...reactors, ctx.user.id] } });
    const charge = ctx.services.quotas.fanout.reserve(ctx.user.id, room.id, estimate, ctx.now);
    const result = await settleOnFailure(charge, () =>
      storage.changeMessage(message.id, ctx.user.id, args.clientId, { kind: 'react', emoji: args.emoji, on: args.on }, ctx.now),
    );
    if (result.duplicate) charge.settle(0);
    else deferUpdated(ctx, result.message, charge);
    return { message: result.message };
  },

  async 'message.history'(ctx, args) {
    const { storage, options } = ctx.services;
    const { room } = await memberOf(storage, args.room, ctx.user.id);
    return storage.history(room.id, args.before ?? null, pageSize(args.limit, options.limits.maxPageSize));
  },

  async 'message.thread'(ctx, args) {
    const { storage, options } = ctx.services;
    const { message } = await messageFor(storage, args.messageId, ctx.user.id);
    const { replies, hasMore } = await storage.thread(message.id, args.after ?? 0, pageSize(args.limit, options.limits.maxPageSize));
    return { parent: message, replies, hasMore };
  },

  async 'message.edits'(ctx, args) {
    const { storage } = ctx.services;
    const { message } = await messageFor(storage, args.messageId, ctx.user.id);
    return { edits: await storage.edits(message.id) };
  },

  async search(ctx, args) {
    const { storage, options, quotas } = ctx.services;
    quotas.requests.search(ctx.user.id, ctx.now);
    if (args.room !== undefined) await memberOf(storage, args.room, ctx.user.id);
    const limit = pageSize(args.limit, options.limits.maxPageSize);
    const messages = await storage.search(ctx.user.id, args.query, args.room ?? null, limit, { timeoutMs: options.searchTimeoutMs });
    return { messages };
  },
};
