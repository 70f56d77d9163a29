/** The HTTP side of a Parley server: endpoint URLs, uploads, dev tokens. */
import { connectionError, ParleyError, requestError } from '../errors.js';
import { ErrorCode } from '../protocol/codes.js';
import type { AttachmentInfo } from '../protocol/model.js';

/** The WebSocket endpoint and the HTTP base of one server. */
export interface Endpoints {
  /** `ws(s)://host/…/v1/ws` */
  ws: string;
  /** `http(s)://host/…` (no trailing slash). */
  http: string;
}

const WS_PATH = '/v1/ws';

/** Accepts `ws(s)://…/v1/ws`, `ws(s)://host` or an `http(s)://` base, and derives both endpoints. */
export function endpoints(url: string): Endpoints {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'https:' || parsed.protocol === 'wss:';
  let path = parsed.pathname.replace(/\/+$/, '');
  if (path.endsWith(WS_PATH)) path = path.slice(0, -WS_PATH.length);
  const host = parsed.host;
  return {
    ws: `${secure ? 'wss' : 'ws'}://${host}${path}${WS_PATH}`,
    http: `${secure ? 'https' : 'http'}://${host}${path}`,
  };
}

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

const STATUS_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.BadRequest,
  401: ErrorCode.AuthFailed,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedType,
  429: ErrorCode.RateLimited,
  503: ErrorCode.Unavailable,
};

/** Turns a failed HTTP response into a typed error (the body's `code` wins when it is one of ours). */
export async function httpError(response: Response): Promise<ParleyError> {
  let code: ErrorCode = STATUS_CODES[response.status] ?? ErrorCode.Internal;
  let message = `HTTP ${response.status}`;
  try {
    const body: unknown = await response.json();
    const rec = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const inner = (typeof rec.error === 'object' && rec.error !== null ? rec.error : rec) as Record<string, unknown>;
    if (typeof inner.code === 'string' && KNOWN_CODES.has(inner.code)) code = inner.code as ErrorCode;
    if (typeof inner.message === 'string') message = inner.message;
  } catch {
    // Not JSON: the status says enough.
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  return requestError(code, message, retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {});
}

async function send(fetchFn: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url, init);
  } catch (err) {
    throw connectionError('network', `request to ${url} failed`, { cause: err });
  }
  if (!response.ok) throw await httpError(response);
  return response;
}

/** Options of an upload. */
export interface UploadOptions {
  /**
   * Called as bytes leave the device (`sent` of `total`), and once with
   * `sent === total` when the server has the whole file. Browsers report real
   * progress (through XMLHttpRequest); elsewhere only the final call comes.
   */
  onProgress?: (sent: number, total: number) => void;
  /** Aborts the upload; the promise then rejects with an `aborted` error. */
  signal?: AbortSignal;
}

/** Uploads a file for `room`; the result goes into `room.send(text, { attachments })`. */
export async function uploadAttachment(
  fetchFn: typeof fetch,
  base: string,
  token: string,
  room: string,
  blob: Blob,
  name: string,
  options: UploadOptions = {},
): Promise<AttachmentInfo> {
  const url = `${base}/v1/attachments?room=${encodeURIComponent(room)}&name=${encodeURIComponent(name)}`;
  const headers = { 'Content-Type': blob.type || 'application/octet-stream', Authorization: `Bearer ${token}` };
  // fetch cannot report upload progress; XMLHttpRequest can, where it exists.
  let response: Response;
  try {
    response =
      options.onProgress && typeof XMLHttpRequest === 'function'
        ? await sendWithProgress(url, headers, blob, options.onProgress, options.signal)
        : await send(fetchFn, url, { method: 'POST', headers, body: blob, signal: options.signal ?? null });
  } catch (err) {
    throw options.signal?.aborted ? cancelled() : err;
  }
  const body = (await response.json()) as { attachment: AttachmentInfo };
  options.onProgress?.(blob.size, blob.size);
  return body.attachment;
}

function cancelled(): ParleyError {
  return new ParleyError('aborted', 'upload cancelled', { retryable: false });
}

/** POSTs `blob` with XMLHttpRequest, reporting upload progress; resolves with a `Response` like `send`. */
function sendWithProgress(
  url: string,
  headers: Record<string, string>,
  blob: Blob,
  onProgress: (sent: number, total: number) => void,
  signal: AbortSignal | undefined,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    for (const [key, value] of Object.entries(headers)) xhr.setRequestHeader(key, value);
    xhr.upload.onprogress = (event) => onProgress(Math.min(event.loaded, blob.size), blob.size);
    xhr.onerror = () => reject(connectionError('network', `request to ${url} failed`));
    xhr.onabort = () => reject(cancelled());
    xhr.onload = () => {
      const response = new Response(xhr.responseText, {
        status: xhr.status,
        headers: { 'content-type': xhr.getResponseHeader('content-type') ?? 'application/json', 'retry-after': xhr.getResponseHeader('retry-after') ?? '' },
      });
      if (response.ok) resolve(response);
      else void httpError(response).then(reject);
    };
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(blob);
  });
}

/**
 * Gets a token from a server running in dev mode (`POST /v1/dev/token`).
 * For demos and tests only: production tokens come from the host's backend.
 */
export async function fetchDevToken(
  url: string,
  user: string,
  name?: string,
  fetchFn: typeof fetch = globalThis.fetch,
): Promise<string> {
  const response = await send(fetchFn, `${endpoints(url).http}/v1/dev/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(name === undefined ? { user } : { user, name }),
  });
  const body = (await response.json()) as { token: string };
  return body.token;
}
