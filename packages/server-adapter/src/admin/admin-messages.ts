/**
 * Messages the host's backend posts, as a member or as a system notice, and
 * the history it reads. A post goes through the same storage call and the
 * same publish as a client's `message.send`, so members receive it live like
 * any message; `clientId` makes it idempotent (a retry answers the original
 * and nothing is sent twice).
 */
import { ErrorCode, wellFormed } from '@parley/sdk/protocol';
import type { Limits, Message } from '@parley/sdk/protocol';
import { RequestError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Announcer } from '../rooms/announce.js';
import { customDataProblem } from '../rooms/custom-data.js';
import { messageIdFor } from '../rooms/ids.js';
import { mentionCandidates } from '../rooms/mentions.js';
import type { StoredRoom } from '../storage/storage.js';
import { PostMessageSchema, parseInput } from './admin-schemas.js';
import type { AdminMessageInput } from './admin-api.js';

export type { AdminMessageInput } from './admin-api.js';
export { PostMessageSchema } from './admin-schemas.js';

/** The sender key of system notices (their idempotency keys live under it); no user id is empty. */
const NOTICE_SENDER = '';

/** What the message operations use. */
export interface AdminMessageDeps extends Announcer {
  limits: Pick<Limits, 'maxTextLength' | 'maxPageSize'>;
  logger: Logger;
}

/** The message operations of the admin API. */
export class AdminMessages {
  readonly #deps: AdminMessageDeps;

  /** Works through `deps`. */
  constructor(deps: AdminMessageDeps) {
    this.#deps = deps;
  }

  /**
   * Posts a message into `roomId`. `duplicate` is true when `clientId` was
   * used before by the same sender: the original is answered, nothing is stored or sent.
   */
  async postMessage(roomId: string, input: AdminMessageInput): Promise<{ message: Message; duplicate: boolean }> {
    const parsed = parseInput(PostMessageSchema, input, 'give either from: { user } or system: true, with text and/or data and a clientId');
    const { storage, limits } = this.#deps;
    const notice = 'system' in parsed;
    const sender = 'from' in parsed ? parsed.from.user : NOTICE_SENDER;
    const id = messageIdFor(sender, parsed.clientId);
    const original = await storage.getMessage(id);
    if (original && original.room === roomId) return { message: original, duplicate: true };
    const room = await this.#room(roomId);
    if (!notice && !(await storage.getMember(room.id, sender))) throw new RequestError(ErrorCode.NotMember, `${sender} is not a member of ${room.id}`);
    const data = parsed.data ?? null;
    if (parsed.text.length > limits.maxTextLength) throw new RequestError(ErrorCode.TextTooLong, `text is longer than ${limits.maxTextLength} characters`);
    if (parsed.text.trim() === '' && data === null) throw new RequestError(ErrorCode.BadRequest, 'a message needs text or data');
    const problem = data === null ? null : customDataProblem(data);
    if (problem) throw new RequestError(ErrorCode.PayloadTooLarge, problem);
    const mentions: string[] = [];
    for (const candidate of mentionCandidates(parsed.text)) if (await storage.getMember(room.id, candidate)) mentions.push(candidate);
    const result = await storage.appendMessage({
      id,
      room: room.id,
      sender,
      clientId: parsed.clientId,
      text: wellFormed(parsed.text),
      parentId: null,
      mentions,
      attachmentIds: [],
      flagged: false,
      now: Date.now(),
      data,
      notice,
    });
    if (!result.duplicate) {
      const { message } = result;
      try {
        await this.#deps.publisher.toRoom(message.room, { type: 'message', message }, message.seq);
      } catch (error) {
        // Committed: members catch up through sync.
        this.#deps.logger.warn({ err: error }, 'admin message committed but not published');
      }
    }
    return { message: result.message, duplicate: result.duplicate };
  }

  /** Up to `limit` messages before `before` (all when absent), oldest first, as `message.history` pages. */
  async history(roomId: string, options: { before?: number; limit?: number } = {}): Promise<{ messages: Message[]; hasMore: boolean }> {
    const room = await this.#room(roomId);
    const max = this.#deps.limits.maxPageSize;
    const { before, limit = 50 } = options;
    if (before !== undefined && (!Number.isSafeInteger(before) || before < 0)) throw new RequestError(ErrorCode.BadRequest, 'before must be a seq (an integer ≥ 0)');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) throw new RequestError(ErrorCode.BadRequest, `limit must be an integer from 1 to ${max}`);
    return this.#deps.storage.history(room.id, before ?? null, limit);
  }

  async #room(roomId: string): Promise<StoredRoom> {
    const room = await this.#deps.storage.getRoom(roomId);
    if (!room) throw new RequestError(ErrorCode.NotFound, 'no such room');
    return room;
  }
}
