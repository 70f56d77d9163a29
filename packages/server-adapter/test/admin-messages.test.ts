/**
 * Messages through the admin REST API against a real server, with a raw
 * protocol client (to count frames) and the real SDK connected: posts as a
 * member and as system notices reach members live, once, with their custom
 * data; `clientId` makes a post idempotent; history pages; SDK sends carry
 * `data` too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { createClient } from '@parley/sdk';
import type { ParleyClient, WebSocketConstructor } from '@parley/sdk';
import { CUSTOM_DATA_LIMITS, DEFAULT_LIMITS, ErrorCode } from '@parley/sdk/protocol';
import type { Message, ServerFrame } from '@parley/sdk/protocol';
import { KEY, call, errorCode } from './admin-helpers.js';
import { eventually, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

const ROOM = 'bookings';
const BOOKING = { card: 'booking', ref: 'B-4711', seats: [{ row: 3, seat: 'A' }], paid: true };

describe('admin API: messages and custom data', () => {
  let ts: TestServer;
  let raw: TestClient;
  let sdk: ParleyClient;
  before(async () => {
    ts = await startServer({ adminKeys: [KEY] });
    const created = await call(ts, 'POST', 'rooms', { id: ROOM, kind: 'group', name: 'Bookings', members: [{ user: 'host-bot', role: 'owner' }, { user: 'ana' }, { user: 'ben' }] });
    assert.equal(created.status, 201);
    raw = await ts.connect('ana', 'Ana');
    const { token } = (await call(ts, 'POST', 'users/ben/tokens', { ttlSeconds: 600 })).body as { token: string };
    sdk = createClient({ url: ts.url, token, WebSocket: WebSocket as unknown as WebSocketConstructor, offline: 'memory' });
    await sdk.connect();
    await sdk.room(ROOM).loadOlder(50);
  });
  after(async () => {
    await sdk.dispose();
    await ts.close();
  });

  function liveCopies(id: string): number {
    return raw.frames.filter((f: ServerFrame) => f.type === 'message' && f.message.id === id).length;
  }

  function inSdk(id: string): Message | undefined {
    return sdk.state.rooms[ROOM]?.messages.find((m) => m.id === id);
  }

  it('posts as a member: delivered live to a raw client and the SDK, and in history, with its data', async () => {
    const answer = await call(ts, 'POST', `rooms/${ROOM}/messages`, { from: { user: 'host-bot' }, text: 'Your booking is confirmed', data: BOOKING, clientId: 'booking-B-4711' });
    assert.equal(answer.status, 201);
    const { message } = answer.body as { message: Message };
    assert.equal(message.sender, 'host-bot');
    assert.equal(message.kind, 'user');
    assert.deepEqual(message.data, BOOKING);
    const live = await raw.waitForMessage((m) => m.id === message.id);
    assert.deepEqual(live.data, BOOKING);
    await eventually(() => inSdk(message.id) !== undefined, 'the SDK shows the message');
    assert.deepEqual(inSdk(message.id)?.data, BOOKING);
    const history = await call(ts, 'GET', `rooms/${ROOM}/messages`);
    assert.equal(history.status, 200);
    const page = history.body as { messages: Message[]; hasMore: boolean };
    assert.deepEqual(page.messages.find((m) => m.id === message.id)?.data, BOOKING);
    const { messages } = await raw.request('message.history', { room: ROOM });
    assert.deepEqual(messages.find((m) => m.id === message.id)?.data, BOOKING);
  });

  it('is idempotent by clientId: a retry answers the original (200) and members receive it once', async () => {
    const body = { from: { user: 'host-bot' }, text: 'Reminder: check-in opens', data: { kind: 'reminder' }, clientId: 'reminder-1' };
    const first = await call(ts, 'POST', `rooms/${ROOM}/messages`, body);
    const second = await call(ts, 'POST', `rooms/${ROOM}/messages`, body);
    assert.equal(first.status, 201);
    assert.equal(second.status, 200);
    const id = (first.body as { message: Message }).message.id;
    assert.deepEqual((second.body as { message: Message }).message, (first.body as { message: Message }).message);
    // A later message arrives after any second copy would have.
    const marker = await call(ts, 'POST', `rooms/${ROOM}/messages`, { system: true, text: 'marker', clientId: 'marker-1' });
    const markerId = (marker.body as { message: Message }).message.id;
    await raw.waitForMessage((m) => m.id === markerId);
    await eventually(() => inSdk(markerId) !== undefined, 'the SDK shows the marker');
    assert.equal(liveCopies(id), 1);
    assert.equal(sdk.state.rooms[ROOM]?.messages.filter((m) => m.id === id).length, 1);
    const { messages } = (await call(ts, 'GET', `rooms/${ROOM}/messages?limit=200`)).body as { messages: Message[] };
    assert.equal(messages.filter((m) => m.text === body.text).length, 1, 'stored once');
  });

  it('posts a system notice whose text members see, with data', async () => {
    const answer = await call(ts, 'POST', `rooms/${ROOM}/messages`, { system: true, text: 'Maintenance tonight at 22:00', data: { severity: 'info' }, clientId: 'notice-1' });
    assert.equal(answer.status, 201);
    const { message } = answer.body as { message: Message };
    assert.equal(message.kind, 'system');
    assert.equal(message.system?.event, 'notice');
    const live = await raw.waitForMessage((m) => m.id === message.id);
    assert.equal(live.text, 'Maintenance tonight at 22:00');
    assert.deepEqual(live.data, { severity: 'info' });
  });

  it('refuses bad posts with typed errors and stores nothing', async () => {
    const before = ((await call(ts, 'GET', `rooms/${ROOM}/messages?limit=200`)).body as { messages: Message[] }).messages.length;
    const cases: Array<[string, unknown, number, string]> = [
      [ROOM, { from: { user: 'stranger' }, text: 'hi', clientId: 'x1' }, 403, ErrorCode.NotMember],
      [ROOM, { from: { user: 'ana' }, system: true, text: 'hi', clientId: 'x2' }, 400, ErrorCode.BadRequest],
      [ROOM, { text: 'hi', clientId: 'x3' }, 400, ErrorCode.BadRequest],
      [ROOM, { from: { user: 'ana' }, text: '  ', clientId: 'x4' }, 400, ErrorCode.BadRequest],
      [ROOM, { from: { user: 'ana' }, text: 'hi' }, 400, ErrorCode.BadRequest],
      [ROOM, { from: { user: 'ana' }, text: 'x'.repeat(DEFAULT_LIMITS.maxTextLength + 1), clientId: 'x5' }, 413, ErrorCode.TextTooLong],
      [ROOM, { from: { user: 'ana' }, text: 'hi', data: 'd'.repeat(CUSTOM_DATA_LIMITS.maxDataBytes), clientId: 'x6' }, 413, ErrorCode.PayloadTooLarge],
      [ROOM, { from: { user: 'ana' }, text: 7, clientId: 'x7' }, 400, ErrorCode.BadRequest],
      ['no-such-room', { system: true, text: 'hi', clientId: 'x8' }, 404, ErrorCode.NotFound],
    ];
    for (const [room, body, status, code] of cases) {
      const answer = await call(ts, 'POST', `rooms/${room}/messages`, body);
      assert.equal(answer.status, status, JSON.stringify(body).slice(0, 100));
      assert.equal(errorCode(answer), code);
    }
    const after = ((await call(ts, 'GET', `rooms/${ROOM}/messages?limit=200`)).body as { messages: Message[] }).messages.length;
    assert.equal(after, before);
  });

  it('pages history like message.history: before a seq, up to limit, oldest first', async () => {
    for (let i = 0; i < 5; i++) await call(ts, 'POST', `rooms/${ROOM}/messages`, { from: { user: 'ana' }, text: `page ${i}`, clientId: `page-${i}` });
    const last = (await call(ts, 'GET', `rooms/${ROOM}/messages?limit=2`)).body as { messages: Message[]; hasMore: boolean };
    assert.deepEqual(last.messages.map((m) => m.text), ['page 3', 'page 4']);
    assert.equal(last.hasMore, true);
    const earlier = (await call(ts, 'GET', `rooms/${ROOM}/messages?limit=2&before=${last.messages[0].seq}`)).body as { messages: Message[] };
    assert.deepEqual(earlier.messages.map((m) => m.text), ['page 1', 'page 2']);
    for (const query of ['limit=0', `limit=${DEFAULT_LIMITS.maxPageSize + 1}`, 'limit=abc', 'before=-1']) {
      const answer = await call(ts, 'GET', `rooms/${ROOM}/messages?${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal(errorCode(answer), ErrorCode.BadRequest);
    }
    assert.equal((await call(ts, 'GET', 'rooms/no-such-room/messages')).status, 404);
  });

  it('carries data on SDK sends: room.send(text, { data }) reaches others live and in search', async () => {
    const sent = await sdk.room(ROOM).send('seat change requested', { data: { card: 'seat', from: '3A', to: '5C' } });
    assert.deepEqual(sent.data, { card: 'seat', from: '3A', to: '5C' });
    const live = await raw.waitForMessage((m) => m.id === sent.id);
    assert.deepEqual(live.data, { card: 'seat', from: '3A', to: '5C' });
    const { messages } = await raw.request('search', { query: 'seat change' });
    assert.deepEqual(messages.find((m) => m.id === sent.id)?.data, { card: 'seat', from: '3A', to: '5C' });
    // The socket refuses data over the limit with a typed error.
    assert.equal(await raw.fail('message.send', { room: ROOM, clientId: 'big', text: 'x', data: { blob: 'x'.repeat(CUSTOM_DATA_LIMITS.maxDataBytes) } }), ErrorCode.PayloadTooLarge);
  });

  it('offers the same operations as server.admin', async () => {
    const { message, duplicate } = await ts.server.admin.postMessage(ROOM, { system: true, text: 'embedded', clientId: 'embedded-1' });
    assert.equal(duplicate, false);
    await raw.waitForMessage((m) => m.id === message.id);
    const again = await ts.server.admin.postMessage(ROOM, { system: true, text: 'embedded', clientId: 'embedded-1' });
    assert.equal(again.duplicate, true);
    const page = await ts.server.admin.history(ROOM, { limit: 1 });
    assert.equal(page.messages[0].id, message.id);
  });
});
