/** Identifiers the server makes up. */
import { createHash, randomBytes } from 'node:crypto';

/** A new random room id. */
export function newRoomId(): string {
  return `r_${randomBytes(12).toString('base64url')}`;
}

/** A new random attachment id (also its file name, so only URL-safe characters). */
export function newAttachmentId(): string {
  return `a_${randomBytes(16).toString('base64url')}`;
}

/** A new connection (session) id for logs. */
export function newSessionId(): string {
  return `c_${randomBytes(9).toString('base64url')}`;
}

/**
 * A message id derived from its idempotency key, so a retried send finds its
 * original by id before any check runs: a retry succeeds even after its
 * attachments were bound or the sender lost the right to post.
 */
export function messageIdFor(sender: string, clientId: string): string {
  return `m_${createHash('sha256').update(sender).update('\0').update(clientId).digest('base64url').slice(0, 24)}`;
}
