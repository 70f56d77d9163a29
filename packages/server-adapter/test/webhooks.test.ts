/**
 * Webhooks on one node (SQLite): signed events for message, room and member
 * changes; a receiver that refuses or is gone for a while still gets every
 * event; `message.unread` after the delay, and not for what was read in time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, createServer, signWebhookBody, verifyWebhookSignature } from '../src/index.js';
import { SECRET, cid, createRoom, eventually, metricsText, send, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';
import { startWebhookReceiver } from './webhook-receiver.js';
import type { ReceivedEvent, WebhookReceiver } from './webhook-receiver.js';

const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123456789';
/** Fast polls and retries, so a test waits for deliveries, not for backoff. */
const FAST = { pollMs: 50, retryBaseMs: 50, retryMaxMs: 250, timeoutMs: 2_000, leaseMs: 10_000 };

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

function find(receiver: WebhookReceiver, type: string, match: (data: Record<string, unknown>) => boolean): ReceivedEvent | undefined {
  return receiver.events.find((event) => event.type === type && match(event.data));
}

describe('verifyWebhookSignature', () => {
  const body = '{"id":"evt_1","type":"room.created","createdAt":1,"data":{}}';
  const now = Date.now();
  const t = Math.floor(now / 1000);
  it('accepts the header signWebhookBody makes, within the tolerance', () => {
    assert.equal(verifyWebhookSignature(WEBHOOK_SECRET, signWebhookBody(WEBHOOK_SECRET, body, t), body, 300, now), true);
    assert.equal(verifyWebhookSignature(WEBHOOK_SECRET, signWebhookBody(WEBHOOK_SECRET, body, t), Buffer.from(body), 300, now), true);
  });
  it('refuses another secret, a changed body, an old timestamp and malformed headers', () => {
    const header = signWebhookBody(WEBHOOK_SECRET, body, t);
    assert.equal(verifyWebhookSignature('another-secret-entirely', header, body, 300, now), false);
    assert.equal(verifyWebhookSignature(WEBHOOK_SECRET, header, body.replace('room', 'user'), 300, now), false);
    assert.equal(verifyWebhookSignature(WEBHOOK_SECRET, header, body, 300, now + 301_000), false);
    for (const bad of [undefined, '', 't=1', `v1=${'0'.repeat(64)}`, 'garbage', header.replace('v1=', 'v0=')]) {
      assert.equal(verifyWebhookSignature(WEBHOOK_SECRET, bad, body, 300, now), false, String(bad));
    }
  });
});

describe('webhook options', () => {
  it('refuses endpoints without a secret, a short secret, and URLs that are not http(s)', () => {
    assert.throws(() => createServer({ logger: false, auth: { secret: SECRET }, webhooks: { urls: ['http://127.0.0.1:1/x'] } }), ConfigError);
    assert.throws(() => createServer({ logger: false, auth: { secret: SECRET }, webhooks: { urls: ['http://127.0.0.1:1/x'], secret: 'short' } }), ConfigError);
    assert.throws(() => createServer({ logger: false, auth: { secret: SECRET }, webhooks: { urls: ['ftp://example.com/x'], secret: WEBHOOK_SECRET } }), ConfigError);
    assert.throws(() => createServer({ logger: false, auth: { secret: SECRET }, webhooks: { urls: ['http://h/x'], secret: WEBHOOK_SECRET, timeoutMs: 5_000, leaseMs: 1_000 } }), ConfigError);
  });
});

describe('webhooks', () => {
  let receiver: WebhookReceiver;
  let ts: TestServer;
  let ada: TestClient, bob: TestClient;

  before(async () => {
    receiver = await startWebhookReceiver(WEBHOOK_SECRET);
    ts = await startServer({ webhooks: { urls: [receiver.url], secret: WEBHOOK_SECRET, unreadDelayMs: 300, ...FAST } });
    ada = await ts.connect('ada');
    bob = await ts.connect('bob');
  });
  after(async () => {
    await ts.close();
    await receiver.close();
  });

  it('sends signed events for room, member and message changes', async () => {
    const room = await createRoom(ada, ['bob'], 'group', 'Hooks');
    await ada.request('room.update', { room, topic: 'webhooks' });
    const message = await send(ada, room, 'hello @bob');
    const booking = await ada.request('message.send', { room, clientId: cid(), text: 'booking', data: { booking: 4711 } });
    await ada.request('message.edit', { messageId: message.id, clientId: cid(), text: 'hello again' });
    await ada.request('message.delete', { messageId: message.id, clientId: cid() });
    await ada.request('room.kick', { room, user: 'bob' });

    await eventually(() => find(receiver, 'member.removed', (d) => d.room === room) !== undefined, 'member.removed arrives');
    assert.deepEqual(find(receiver, 'room.created', (d) => d.id === room)?.data, {
      id: room,
      kind: 'group',
      name: 'Hooks',
      topic: '',
      createdBy: 'ada',
      createdAt: find(receiver, 'room.created', (d) => d.id === room)?.createdAt,
    });
    assert.equal(find(receiver, 'member.added', (d) => d.room === room && d.user === 'ada')?.data.role, 'owner');
    assert.equal(find(receiver, 'member.added', (d) => d.room === room && d.user === 'bob')?.data.role, 'member');
    assert.equal(find(receiver, 'room.updated', (d) => d.id === room)?.data.topic, 'webhooks');
    const created = find(receiver, 'message.created', (d) => d.id === message.id);
    assert.deepEqual(
      { text: created?.data.text, sender: created?.data.sender, room: created?.data.room, seq: created?.data.seq, mentions: created?.data.mentions },
      { text: 'hello @bob', sender: 'ada', room, seq: message.seq, mentions: ['bob'] },
    );
    assert.equal(created?.data.data, null, 'a message without custom data carries null');
    await eventually(() => find(receiver, 'message.created', (d) => d.id === booking.message.id) !== undefined, 'the booking message arrives');
    assert.deepEqual(find(receiver, 'message.created', (d) => d.id === booking.message.id)?.data.data, { booking: 4711 });
    assert.equal(find(receiver, 'message.updated', (d) => d.id === message.id)?.data.text, 'hello again');
    assert.ok(find(receiver, 'message.deleted', (d) => d.id === message.id), 'message.deleted arrives');
    assert.deepEqual(find(receiver, 'member.removed', (d) => d.room === room)?.data, { room, user: 'bob' });
    // Sending a message changes the room's counters, not what room.updated reports.
    assert.equal(receiver.events.filter((e) => e.type === 'room.updated' && e.data.id === room).length, 1);
    for (const event of receiver.events) assert.match(event.id, /^evt_[0-9a-f]{32}$/);
    assert.equal(receiver.badSignatures, 0);

    const metrics = await metricsText(ts.url);
    assert.ok(metricValue(metrics, 'parley_webhook_deliveries_total{result="ok"}') >= 8, metrics);
  });

  it('delivers every event once the receiver is back, after 503s and a closed port, duplicates only by id', async () => {
    const room = await createRoom(ada, ['bob'], 'group', 'Outage');
    receiver.fail(true);
    const during503 = [];
    for (let i = 0; i < 5; i++) during503.push(await send(ada, room, `while refusing ${i}`));
    await eventually(() => receiver.refused >= 5, 'the receiver refused deliveries');
    await receiver.stop();
    receiver.fail(false);
    const whileClosed = [];
    for (let i = 0; i < 5; i++) whileClosed.push(await send(ada, room, `while closed ${i}`));
    const retriedBefore = metricValue(await metricsText(ts.url), 'parley_webhook_deliveries_total{result="retry"}');
    assert.ok(retriedBefore >= 5, `retries counted (${retriedBefore})`);
    assert.ok(metricValue(await metricsText(ts.url), 'parley_webhook_queue_depth') >= 10, 'the queue holds the undelivered events');
    await receiver.start();

    const sent = [...during503, ...whileClosed];
    await eventually(
      () => sent.every((m) => find(receiver, 'message.created', (d) => d.id === m.id)),
      'every message.created arrives after the outage',
    );
    for (const m of sent) {
      const ids = new Set(receiver.events.filter((e) => e.type === 'message.created' && e.data.id === m.id).map((e) => e.id));
      assert.equal(ids.size, 1, `one event id for message ${m.id}`);
    }
    await eventually(async () => metricValue(await metricsText(ts.url), 'parley_webhook_queue_depth') === 0, 'the queue drains');
    assert.equal(receiver.badSignatures, 0);
  });

  it('sends message.unread for a direct message or mention not read in time, and not when read', async () => {
    const { room: direct } = await ada.request('room.direct', { user: 'bob' });
    const group = await createRoom(ada, ['bob', 'carol'], 'group', 'Mentions');

    const read = await send(ada, direct.id, 'read this quickly');
    await bob.request('receipt', { room: direct.id, read: read.seq });
    const unreadDm = await send(ada, direct.id, 'nobody reads this');
    const mention = await send(ada, group, 'hey @carol');
    const plain = await send(ada, group, 'no mention here');

    await eventually(
      () =>
        find(receiver, 'message.unread', (d) => (d.message as { id: string }).id === unreadDm.id) !== undefined &&
        find(receiver, 'message.unread', (d) => (d.message as { id: string }).id === mention.id) !== undefined,
      'message.unread for the unread direct message and mention',
    );
    const dm = find(receiver, 'message.unread', (d) => (d.message as { id: string }).id === unreadDm.id);
    assert.deepEqual({ user: dm?.data.user, room: dm?.data.room, reason: dm?.data.reason }, { user: 'bob', room: direct.id, reason: 'direct' });
    const mentioned = receiver.events.filter((e) => e.type === 'message.unread' && (e.data.message as { id: string }).id === mention.id);
    assert.deepEqual(mentioned.map((e) => [e.data.user, e.data.reason]), [['carol', 'mention']], 'only the mentioned member, not bob');
    // Checks run in due order, so the read message's check has run by now.
    const unreadIds = receiver.events.filter((e) => e.type === 'message.unread').map((e) => (e.data.message as { id: string }).id);
    assert.ok(!unreadIds.includes(read.id), 'no message.unread for a message read in time');
    assert.ok(!unreadIds.includes(plain.id), 'no message.unread for a plain group message');
  });
});
