/** `attachment.url`: a signed download URL for members of the attachment's room. */
import { ErrorCode } from '@parley/sdk/protocol';
import type { HandlerMap } from '../handlers/services.js';
import { RequestError } from '../errors.js';

/** Attachment requests (uploads are HTTP: see `http/attachments.ts`). */
export const attachmentHandlers: HandlerMap<'attachment.url'> = {
  async 'attachment.url'(ctx, args) {
    const { storage, attachmentUrls } = ctx.services;
    const attachment = await storage.getAttachment(args.attachmentId);
    const member = attachment ? await storage.getMember(attachment.room, ctx.user.id) : null;
    if (!attachment || !member) throw new RequestError(ErrorCode.NotFound, 'no such attachment');
    return attachmentUrls.sign(attachment.id, ctx.now);
  },
};
