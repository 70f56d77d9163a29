import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@parley/sdk/protocol';
import type { AttachmentInfo } from '@parley/sdk/protocol';
import { cid, createRoom, signToken, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const LIMIT = 1000;

interface UploadAnswer {
  status: number;
  body: { attachment?: AttachmentInfo; error?: { code: string } };
}

async function upload(
  ts: TestServer,
  room: string,
  body: Buffer,
  options: { user?: string; token?: string | null; type?: string | null; name?: string } = {},
): Promise<UploadAnswer> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? await signToken(options.user ?? 'ada') : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const type = options.type === undefined ? 'image/png' : options.type;
  if (type !== null) headers['content-type'] = type;
  const url = `${ts.url}/v1/attachments?room=${encodeURIComponent(room)}&name=${encodeURIComponent(options.name ?? 'pixel.png')}`;
  const res = await fetch(url, { method: 'POST', headers, body: new Uint8Array(body) });
  return { status: res.status, body: (await res.json()) as UploadAnswer['body'] };
}

/** Streams `total` bytes without Content-Length (chunked) and returns the status. */
function uploadChunked(ts: TestServer, room: string, token: string, total: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${ts.url}/v1/attachments?room=${encodeURIComponent(room)}&name=big.bin`,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    for (let sent = 0; sent < total; sent += 500) req.write(Buffer.alloc(Math.min(500, total - sent), 0x61));
    req.end();
  });
}

describe('attachments', () => {
  let ts: TestServer;
  let ada: TestClient, bob: TestClient, eve: TestClient;
  let room: string;

  before(async () => {
    ts = await startServer({
      limits: { maxAttachmentBytes: LIMIT, attachmentTypes: ['image/*', 'application/pdf', 'text/plain'] },
      allowedOrigins: ['https://app.example'],
    });
    ada = await ts.connect('ada');
    bob = await ts.connect('bob');
    eve = await ts.connect('eve');
    room = await createRoom(ada, ['bob']);
  });
  after(() => ts.close());

  it('uploads, attaches to a message and downloads through a signed URL with safe headers', async () => {
    const { status, body } = await upload(ts, room, PNG, { name: 'pixel.png' });
    assert.equal(status, 201);
    const attachment = body.attachment;
    assert.ok(attachment);
    assert.deepEqual({ ...attachment, id: '' }, { id: '', name: 'pixel.png', type: 'image/png', size: PNG.length });

    const clientId = cid();
    const { message } = await ada.request('message.send', { room, clientId, text: 'look', attachments: [attachment.id] });
    assert.deepEqual(message.attachments, [attachment]);
    // A retried send with the same key still answers with the original, attachments included.
    const { message: retry } = await ada.request('message.send', { room, clientId, text: 'look', attachments: [attachment.id] });
    assert.equal(retry.id, message.id);
    assert.equal(await ada.fail('message.send', { room, clientId: cid(), text: 'again', attachments: [attachment.id] }), ErrorCode.Conflict);

    const { url, expiresAt } = await bob.request('attachment.url', { attachmentId: attachment.id });
    assert.ok(expiresAt > Date.now());
    const res = await fetch(new URL(url, ts.url));
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('content-security-policy'), 'sandbox');
    assert.match(res.headers.get('content-disposition') ?? '', /^inline;/);
  });

  it('serves non-images as downloads and cleans file names', async () => {
    const { body } = await upload(ts, room, Buffer.from('%PDF-1.4 tiny'), { type: 'application/pdf', name: '../../etc/passwd' });
    assert.equal(body.attachment?.name, '.._.._etc_passwd');
    const { url } = await ada.request('attachment.url', { attachmentId: body.attachment?.id ?? '' });
    const res = await fetch(new URL(url, ts.url));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment;/);
    await res.arrayBuffer();
  });

  it('refuses oversize bodies with 413, declared or streamed, and keeps serving', async () => {
    const declared = await upload(ts, room, Buffer.alloc(LIMIT + 1, 1));
    assert.equal(declared.status, 413);
    assert.equal(declared.body.error?.code, 'payload_too_large');
    const streamed = await uploadChunked(ts, room, await signToken('ada'), LIMIT * 5);
    assert.equal(streamed.status, 413);
    assert.equal((JSON.parse(streamed.body) as { error: { code: string } }).error.code, 'payload_too_large');
    const exact = await upload(ts, room, Buffer.alloc(LIMIT, 1));
    assert.equal(exact.status, 201);
    const files = await readdir(join(ts.dataDir, 'attachments'));
    assert.ok(files.every((f) => !f.endsWith('.part')));
  });

  it('refuses content types not on the list with 415', async () => {
    const html = await upload(ts, room, Buffer.from('<script>alert(1)</script>'), { type: 'text/html' });
    assert.equal(html.status, 415);
    assert.equal(html.body.error?.code, 'unsupported_type');
    const none = await upload(ts, room, PNG, { type: null });
    assert.equal(none.status, 415);
    const wildcard = await upload(ts, room, PNG, { type: 'image/webp; charset=binary' });
    assert.equal(wildcard.status, 201);
    assert.equal(wildcard.body.attachment?.type, 'image/webp');
  });

  it('answers 401 without a valid token, 404 for rooms the user cannot see, 403 for public non-members', async () => {
    assert.equal((await upload(ts, room, PNG, { token: null })).status, 401);
    assert.equal((await upload(ts, room, PNG, { token: 'garbage' })).status, 401);
    const expired = await signToken('ada', { exp: Math.floor(Date.now() / 1000) - 10 });
    const exp = await upload(ts, room, PNG, { token: expired });
    assert.equal(exp.status, 401);
    assert.equal(exp.body.error?.code, 'token_expired');
    assert.equal((await upload(ts, room, PNG, { user: 'eve' })).status, 404);
    assert.equal((await upload(ts, 'no-such-room', PNG)).status, 404);
    const open = await createRoom(ada, [], 'public');
    const outsider = await upload(ts, open, PNG, { user: 'eve' });
    assert.equal(outsider.status, 403);
    assert.equal(outsider.body.error?.code, 'not_member');
  });

  it('lets only members get URLs, and only the uploader attach, in the room it was uploaded to', async () => {
    const { body } = await upload(ts, room, PNG);
    const id = body.attachment?.id ?? '';
    assert.equal(await eve.fail('attachment.url', { attachmentId: id }), ErrorCode.NotFound);
    assert.equal(await bob.fail('message.send', { room, clientId: cid(), text: 'mine now', attachments: [id] }), ErrorCode.NotFound);
    const other = await createRoom(ada, []);
    assert.equal(await ada.fail('message.send', { room: other, clientId: cid(), text: 'moved', attachments: [id] }), ErrorCode.NotFound);
    assert.equal(await ada.fail('attachment.url', { attachmentId: 'a_missing' }), ErrorCode.NotFound);
  });

  it('refuses tampered signatures and expiry times', async () => {
    const { body } = await upload(ts, room, PNG);
    const { url } = await ada.request('attachment.url', { attachmentId: body.attachment?.id ?? '' });
    const good = new URL(url, ts.url);
    const badSig = new URL(good);
    badSig.searchParams.set('sig', 'A'.repeat(good.searchParams.get('sig')?.length ?? 43));
    assert.equal((await fetch(badSig)).status, 403);
    const longer = new URL(good);
    longer.searchParams.set('exp', String(Number(good.searchParams.get('exp')) + 1000));
    assert.equal((await fetch(longer)).status, 403);
    const unsigned = new URL(good);
    unsigned.search = '';
    assert.equal((await fetch(unsigned)).status, 403);
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const ok = await fetch(`${ts.url}/v1/attachments?room=${room}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const no = await fetch(`${ts.url}/v1/attachments?room=${room}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(no.status, 403);
    assert.equal(no.headers.get('access-control-allow-origin'), null);
  });

  it('lets a page on an allowed origin read the upload answer and its Retry-After', async () => {
    const res = await fetch(`${ts.url}/v1/attachments?room=${room}&name=pixel.png`, {
      method: 'POST',
      headers: { origin: 'https://app.example', authorization: `Bearer ${await signToken('ada')}`, 'content-type': 'image/png' },
      body: new Uint8Array(PNG),
    });
    assert.equal(res.status, 201);
    await res.json();
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example');
    // Without this a cross-origin page sees no Retry-After on 429 and 503 and cannot back off as told.
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /\bRetry-After\b/i);
  });
});

describe('attachment URL expiry', () => {
  it('refuses a signed URL once it has expired', async () => {
    const ts = await startServer({ timing: { attachmentUrlTtlMs: 0 } });
    try {
      const ada = await ts.connect('ada');
      const room = await createRoom(ada, []);
      const { body } = await upload(ts, room, PNG);
      const { url, expiresAt } = await ada.request('attachment.url', { attachmentId: body.attachment?.id ?? '' });
      assert.ok(expiresAt <= Date.now());
      const res = await fetch(new URL(url, ts.url));
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { error: { message: string } }).error.message, 'the link has expired');
    } finally {
      await ts.close();
    }
  });
});
