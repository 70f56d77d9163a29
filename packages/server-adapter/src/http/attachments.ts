/**
 * Attachment upload (`POST /v1/attachments?room=&name=`, raw body, bearer
 * token) and download through a signed URL (`GET /v1/attachments/<id>`).
 * Bytes live in `<dataDir>/attachments/<id>` (see `attachments/attachment-files.ts`);
 * the row in storage. An attachment whose message was deleted has no row: not found.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { AttachmentBody, AttachmentWriter } from '../attachments/attachment-files.js';
import { TokenError } from '../auth/tokens.js';
import type { ServerContext } from '../context.js';
import { isEncryptionError } from '../encryption/errors.js';
import { isMuted } from '../rooms/access.js';
import { newAttachmentId } from '../rooms/ids.js';
import { can } from '../rooms/policy.js';
import { sendError, sendJson } from './respond.js';
import { cleanName, wellFormed } from '@parley/sdk/protocol';

const MAX_NAME = 200;

/** Whether `type` matches one of `allowed` (`image/*` style wildcards allowed). */
export function isTypeAllowed(type: string, allowed: readonly string[]): boolean {
  return allowed.some((pattern) =>
    pattern.endsWith('/*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type,
  );
}

/**
 * A file name safe to store and echo: no paths, no control, direction or
 * invisible characters (`cleanName`), bounded without splitting a character.
 */
export function cleanFileName(raw: string | null): string {
  const name = wellFormed(cleanName((raw ?? '').replace(/[\\/]/g, '_')).slice(0, MAX_NAME)).trim();
  return name === '' || name === '.' || name === '..' ? 'file' : name;
}

/** Handles an upload; answers every outcome itself. */
export async function handleUpload(req: IncomingMessage, res: ServerResponse, server: ServerContext, url: URL): Promise<void> {
  const { storage, options, tokens } = server;
  const limits = options.limits;
  if (req.method !== 'POST') return sendError(res, 405, 'bad_request', 'use POST', { Allow: 'POST' });

  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!bearer) return sendError(res, 401, 'auth_failed', 'missing bearer token');
  let userId: string;
  try {
    userId = (await tokens.verify(bearer[1])).user.id;
  } catch (error) {
    const code = error instanceof TokenError ? error.code : 'auth_failed';
    return sendError(res, 401, code, 'the token could not be verified');
  }

  const roomId = url.searchParams.get('room');
  if (!roomId) return sendError(res, 400, 'bad_request', 'room is required');
  const room = await storage.getRoom(roomId);
  const member = room ? await storage.getMember(room.id, userId) : null;
  if (!room || (!member && room.kind !== 'public')) return sendError(res, 404, 'not_found', 'no such room');
  if (!member) return sendError(res, 403, 'not_member', 'you are not a member of this room');
  if (!can('post', { kind: room.kind, actor: member.role })) return sendError(res, 403, 'forbidden', 'you may not post here');
  if (isMuted(member, Date.now())) return sendError(res, 403, 'muted', 'you are muted in this room');

  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!type || !isTypeAllowed(type, limits.attachmentTypes)) {
    return sendError(res, 415, 'unsupported_type', `content type ${type || '(none)'} is not allowed`);
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limits.maxAttachmentBytes) return tooLarge(res, limits.maxAttachmentBytes);

  const id = newAttachmentId();
  const writer = await server.attachments.create(id);
  let outcome: number | 'too_large' | 'aborted';
  try {
    outcome = await receive(req, writer, limits.maxAttachmentBytes);
    if (typeof outcome === 'number') await writer.commit();
  } catch (error) {
    await writer.discard();
    throw error;
  }
  if (outcome === 'too_large' || outcome === 'aborted') {
    await writer.discard();
    if (outcome === 'too_large') tooLarge(res, limits.maxAttachmentBytes);
    return;
  }
  const attachment = { id, name: cleanFileName(url.searchParams.get('name')), type, size: outcome };
  await storage.createAttachment({
    ...attachment,
    room: room.id,
    uploader: userId,
    createdAt: Date.now(),
    messageId: null,
    blobKey: id,
  });
  sendJson(res, 201, { attachment });
}

/** 413, and the connection closes after it (Node discards the rest of the body). */
function tooLarge(res: ServerResponse, max: number): void {
  sendError(res, 413, 'payload_too_large', `attachments are limited to ${max} bytes`, { Connection: 'close' });
}

/**
 * Streams the body into `writer`, stopping at `max` bytes. Resolves with the
 * size, `too_large`, or `aborted` when the client went away.
 */
async function receive(req: IncomingMessage, writer: AttachmentWriter, max: number): Promise<number | 'too_large' | 'aborted'> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let settled = false;
    const settle = (value: number | 'too_large' | 'aborted'): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) return settle('too_large');
      // One write at a time; the next chunk waits for this one.
      req.pause();
      writer.write(chunk).then(
        () => {
          if (!settled) req.resume();
        },
        (error: unknown) => {
          settled = true;
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    };
    const onEnd = (): void => settle(size);
    const onClose = (): void => {
      if (!req.complete) settle('aborted');
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
  });
}

/** Serves an attachment through a signed URL. */
export async function handleDownload(
  req: IncomingMessage,
  res: ServerResponse,
  server: ServerContext,
  id: string,
  url: URL,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'bad_request', 'use GET', { Allow: 'GET, HEAD' });
  const verdict = server.attachmentUrls.verify(id, url.searchParams.get('exp'), url.searchParams.get('sig'), Date.now());
  if (verdict !== 'ok') {
    return sendError(res, 403, 'forbidden', verdict === 'expired' ? 'the link has expired' : 'the link is not valid');
  }
  const attachment = await server.storage.getAttachment(id);
  if (!attachment) return sendError(res, 404, 'not_found', 'no such attachment');
  let body: AttachmentBody | null;
  try {
    body = await server.attachments.open(attachment.blobKey);
  } catch (error) {
    if (!isEncryptionError(error)) throw error;
    // Refused before a byte is sent: the file was changed, or another key (or none) wrote it.
    server.logger.error({ err: error, attachment: id }, 'attachment file refused');
    return sendError(res, 500, 'internal', 'the attachment cannot be read');
  }
  if (!body) return sendError(res, 404, 'not_found', 'no such attachment');
  const inline = attachment.type.startsWith('image/') && attachment.type !== 'image/svg+xml';
  res.writeHead(200, {
    'Content-Type': attachment.type,
    'Content-Length': body.size,
    'Content-Disposition': contentDisposition(inline ? 'inline' : 'attachment', attachment.name),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': 'sandbox',
    'Cache-Control': 'private, max-age=3600',
  });
  if (req.method === 'HEAD') {
    body.stream.destroy();
    res.end();
    return;
  }
  try {
    await pipeline(body.stream, res);
  } catch (error) {
    // The client went away, or a later chunk failed its check: the response is cut short, never completed.
    if (isEncryptionError(error)) server.logger.error({ err: error, attachment: id }, 'attachment file refused mid-download');
    res.destroy();
  }
}

/** `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266). */
function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
