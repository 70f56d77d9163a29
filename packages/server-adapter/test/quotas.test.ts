/**
 * Per-user quotas (`createServer({ quotas })`), each crossed: rooms created
 * and members added per window, members per `room.create`, uploads no
 * message uses yet (count and bytes), and their expiry (rows and files).
 */
import assert from 'node:assert/strict';
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@parley/sdk/protocol';
import type { AttachmentInfo } from '@parley/sdk/protocol';
import { ConfigError, createServer } from '../src/index.js';
import { FrameError, cid, createRoom, signToken, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

const HOUR = 60 * 60_000;

/** The error frame of a request expected to fail. */
async function refusal(request: Promise<unknown>): Promise<FrameError> {
  const error = await request.then(
    () => assert.fail('the request was expected to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof FrameError, String(error));
  return error;
}

describe('rooms created and members added per window', () => {
  let ts: TestServer;
  let ada: TestClient, bob: TestClient;

  before(async () => {
    ts = await startServer({ quotas: { roomCreates: { max: 3, windowMs: HOUR }, invites: { max: 5, windowMs: HOUR }, maxMembersPerCreate: 4 } });
    ada = await ts.connect('ada');
    bob = await ts.connect('bob');
  });
  after(() => ts.close());

  it('a user may create roomCreates.max rooms (a new direct room counts), then rate_limited with retryAfterMs; reconnecting does not reset it', async () => {
    await createRoom(ada, []);
    await ada.request('room.direct', { user: 'cy' });
    await ada.request('room.direct', { user: 'cy' }); // the same room again: nothing created
    await createRoom(ada, []);
    const error = await refusal(ada.request('room.create', { kind: 'group', name: 'one too many' }));
    assert.equal(error.code, ErrorCode.RateLimited);
    // The window is an hour for 3 rooms: the next one is about 20 minutes away.
    assert.ok((error.frame.retryAfterMs ?? 0) > 10 * 60_000, `retryAfterMs ${error.frame.retryAfterMs}`);
    assert.equal(await ada.fail('room.direct', { user: 'dan' }), ErrorCode.RateLimited);
    await ada.close();
    ada = await ts.connect('ada');
    assert.equal(await ada.fail('room.create', { kind: 'group', name: 'after reconnecting' }), ErrorCode.RateLimited);
    // Others are not affected.
    await createRoom(bob, []);
  });

  it('members named in room.create count against invites; more than maxMembersPerCreate is bad_request', async () => {
    assert.equal(
      await bob.fail('room.create', { kind: 'group', name: 'crowd', members: ['m1', 'm2', 'm3', 'm4', 'm5'] }),
      ErrorCode.BadRequest,
    );
    const room = await createRoom(bob, ['m1', 'm2', 'm3', 'm4']);
    await bob.request('room.invite', { room, user: 'm5' });
    const error = await refusal(bob.request('room.invite', { room, user: 'm6' }));
    assert.equal(error.code, ErrorCode.RateLimited);
    assert.ok((error.frame.retryAfterMs ?? 0) > 0);
    const members = (await bob.request('room.members', { room })).members.map((m) => m.user);
    assert.deepEqual(members.sort(), ['bob', 'm1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('refuses quotas that cannot work', () => {
    const base = { logger: false as const, auth: { secret: 'x'.repeat(32) } };
    assert.throws(() => createServer({ ...base, quotas: { maxMembersPerCreate: 100, invites: { max: 10, windowMs: HOUR } } }), ConfigError);
    assert.throws(() => createServer({ ...base, quotas: { maxCallsPerUser: 0 } }), ConfigError);
    assert.throws(() => createServer({ ...base, quotas: { roomCreates: { max: 1, windowMs: 0 } } }), ConfigError);
    // A lower invites quota lowers the default members per room.create with it.
    assert.doesNotThrow(() => createServer({ ...base, quotas: { invites: { max: 10, windowMs: HOUR } } }));
  });
});

interface UploadAnswer {
  status: number;
  retryAfter: string | null;
  body: { attachment?: AttachmentInfo; error?: { code: string } };
}

async function upload(ts: TestServer, room: string, bytes: number, user = 'ada'): Promise<UploadAnswer> {
  const res = await fetch(`${ts.url}/v1/attachments?room=${encodeURIComponent(room)}&name=notes.txt`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await signToken(user)}`, 'content-type': 'text/plain' },
    body: new Uint8Array(Buffer.alloc(bytes, 0x61)),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as UploadAnswer['body'] };
}

describe('uploads no message uses yet', () => {
  let ts: TestServer;
  let ada: TestClient;
  let room: string;

  before(async () => {
    ts = await startServer({ quotas: { maxPendingUploads: 2, maxPendingUploadBytes: 1_000 } });
    ada = await ts.connect('ada');
    room = await createRoom(ada, ['bob', 'cy']);
  });
  after(() => ts.close());

  it('past maxPendingUploads: 429 rate_limited with Retry-After; sending one frees its place', async () => {
    const first = await upload(ts, room, 100);
    assert.equal(first.status, 201);
    assert.equal((await upload(ts, room, 100)).status, 201);
    const refused = await upload(ts, room, 100);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error?.code, ErrorCode.RateLimited);
    assert.ok(Number(refused.retryAfter) > 0, `Retry-After ${refused.retryAfter}`);
    // Other users have their own quota.
    assert.equal((await upload(ts, room, 100, 'bob')).status, 201);
    await ada.request('message.send', { room, clientId: cid(), text: 'the notes', attachments: [first.body.attachment?.id ?? ''] });
    assert.equal((await upload(ts, room, 100)).status, 201);
  });

  it('past maxPendingUploadBytes: 413 payload_too_large', async () => {
    assert.equal((await upload(ts, room, 600, 'cy')).status, 201);
    const refused = await upload(ts, room, 600, 'cy');
    assert.equal(refused.status, 413);
    assert.equal(refused.body.error?.code, ErrorCode.PayloadTooLarge);
    assert.equal((await upload(ts, room, 400, 'cy')).status, 201, 'what still fits is accepted');
  });
});

describe('upload expiry', () => {
  let ts: TestServer;
  let ada: TestClient;
  let room: string;

  before(async () => {
    ts = await startServer({ quotas: { uploadTtlMs: 300, uploadSweepMs: 100, maxPendingUploads: 1 } });
    ada = await ts.connect('ada');
    room = await createRoom(ada, []);
  });
  after(() => ts.close());

  it('an upload no message used within uploadTtlMs is deleted, file and row; a used one stays; its place is free again', async () => {
    const used = await upload(ts, room, 10);
    assert.equal(used.status, 201);
    const usedId = used.body.attachment?.id ?? '';
    await ada.request('message.send', { room, clientId: cid(), text: 'kept', attachments: [usedId] });
    const stale = await upload(ts, room, 10);
    assert.equal(stale.status, 201);
    const staleId = stale.body.attachment?.id ?? '';
    assert.equal((await upload(ts, room, 10)).status, 429, 'one pending upload at most');

    const dir = join(ts.dataDir, 'attachments');
    const deadline = Date.now() + 10_000;
    while ((await readdir(dir)).includes(staleId)) {
      assert.ok(Date.now() < deadline, 'the expired upload was not deleted within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(await ada.fail('message.send', { room, clientId: cid(), text: 'too late', attachments: [staleId] }), ErrorCode.NotFound);
    assert.equal(await ada.fail('attachment.url', { attachmentId: staleId }), ErrorCode.NotFound);
    await access(join(dir, usedId));
    const { url } = await ada.request('attachment.url', { attachmentId: usedId });
    const download = await fetch(new URL(url, ts.url));
    assert.equal(download.status, 200);
    await download.arrayBuffer();
    assert.equal((await upload(ts, room, 10)).status, 201, 'the expired upload no longer counts');
  });
});
