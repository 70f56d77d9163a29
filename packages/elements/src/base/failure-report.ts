/**
 * What an element says about a failure, loaded with the first one (a
 * separate chunk of the script-tag bundle, outside the chat-only budget):
 * the sentence it shows (`errorStrings`, overridable through the element's
 * `strings`), the `parley-error` event, and the console line for the
 * developer, which names the cause in the SDK's terms and what to change
 * (English only, like the SDK's messages).
 */
import { ParleyErrorEvent } from '../events/parley-error.js';
import type { ErrorReporter, Failure } from './error-reporter.js';
import type { ErrorStrings } from './error-strings.js';

/** English defaults of {@link ErrorStrings}. */
export const errorStrings: ErrorStrings = {
  errorOffline: 'You are offline.',
  errorUnreachable: 'Cannot reach the chat server. Retrying…',
  errorAuthFailed: 'The chat server did not accept your sign-in.',
  errorTokenExpired: 'Your sign-in has expired.',
  errorTokenUnavailable: 'Could not sign in to the chat. Retrying…',
  errorOriginForbidden: 'This site may not use the chat server.',
  errorSessionRevoked: 'You were signed out of the chat.',
  errorBusy: 'The chat server is busy. Retrying…',
  errorRateLimited: 'Too many actions at once. Slowing down…',
  errorNotMember: 'You are not a member of this room.',
  errorNotFound: 'This room does not exist.',
  errorForbidden: 'You may not do that in this room.',
  connectionFailed: 'Could not connect to the chat server.',
};

/** Per SDK code: the sentence's key and the fix for the console line. */
const CAUSES: Readonly<Record<string, readonly [keyof ErrorStrings, string?]>> = {
  offline: ['errorOffline'],
  unreachable: ['errorUnreachable', 'check the `server` URL and that the server is running'],
  auth_failed: ['errorAuthFailed', 'sign tokens with the server’s secret or key, and its `issuer` and `audience` if set'],
  token_expired: ['errorTokenExpired', 'the token function must return a fresh token'],
  token_unavailable: ['errorTokenUnavailable', 'the `token` function threw or returned no token'],
  origin_forbidden: ['errorOriginForbidden', 'add this origin to the server’s allowedOrigins (PARLEY_ALLOWED_ORIGINS)'],
  session_revoked: ['errorSessionRevoked', 'sign the user in again for a new token'],
  unavailable: ['errorBusy', 'the server sheds load: add capacity or raise its limits'],
  rate_limited: ['errorRateLimited', 'the client sends too much; it slows down by itself'],
  not_member: ['errorNotMember', 'add the user to the room, or let them join it'],
  banned: ['errorNotMember', 'the user is banned from this room'],
  not_found: ['errorNotFound', 'check the `room` id'],
  forbidden: ['errorForbidden', 'the user’s role or the room kind does not allow this'],
  unsupported_version: ['connectionFailed', 'update the SDK or the server so they speak the same protocol'],
  failed: ['connectionFailed'],
};

/** The sentence for `failure`: the element's override, else the default, else the error's own message. */
export function sentence(strings: Partial<ErrorStrings>, failure: Failure): string {
  const key = CAUSES[failure.code]?.[0];
  const { cause } = failure;
  return (key && (strings[key] ?? errorStrings[key])) || (cause instanceof Error ? cause.message : (strings.connectionFailed ?? errorStrings.connectionFailed));
}

/** The code of the console line last written per client (or element), while its cause lasts. */
const logged = new WeakMap<object, string>();

/**
 * Reports `failure`, the reporter's new cause (or its end, with null), from
 * `source`: forgets the line of the cause before, fires `parley-error` at
 * `host` with the sentence `text` gives and, unless the host cancelled it,
 * writes the console line once per source while the cause lasts (none for a
 * device without network: the user's to fix, not the developer's).
 */
export function report(
  reporter: ErrorReporter,
  host: EventTarget & { localName: string; requestUpdate(): void },
  failure: Failure | null,
  source: object,
  text: (failure: Failure) => string,
): void {
  // Another cause came meanwhile (only while this module loads): its own report follows.
  if (reporter.failure?.code !== failure?.code) return;
  if (reporter.source) logged.delete(reporter.source);
  reporter.source = failure && source;
  if (!failure) return;
  const { code, cause } = failure;
  const message = text(failure);
  reporter.visible = host.dispatchEvent(new ParleyErrorEvent({ ...failure, message }));
  if (reporter.visible && code !== 'offline' && logged.get(source) !== code) {
    logged.set(source, code);
    const fix = CAUSES[code]?.[1];
    console.warn(`Parley <${host.localName}>: ${code}: ${cause instanceof Error ? cause.message : message}${fix ? ` — ${fix}` : ''}`);
  }
  host.requestUpdate();
}
