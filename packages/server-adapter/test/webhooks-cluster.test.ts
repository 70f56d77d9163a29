/**
 * Webhooks with three CLI nodes on one PostgreSQL database and a Redis bus:
 * every node sends from the same outbox, and each event reaches the receiver
 * exactly once (claims under a lease with `FOR UPDATE SKIP LOCKED`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCliCluster } from './cli-cluster.js';
import type { CliCluster } from './cli-cluster.js';
import { METRICS_TOKEN, eventually } from './helpers.js';
import { startWebhookReceiver } from './webhook-receiver.js';
import type { WebhookReceiver } from './webhook-receiver.js';

const WEBHOOK_SECRET = 'webhook-secret-for-cluster-tests';
const PER_NODE = 15;

async function okDeliveries(base: string): Promise<number> {
  const res = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
  const line = (await res.text()).split('\n').find((l) => l.startsWith('parley_webhook_deliveries_total{result="ok"} '));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('webhooks on three nodes sharing PostgreSQL', () => {
  let cluster: CliCluster;
  let receiver: WebhookReceiver;

  before(async () => {
    receiver = await startWebhookReceiver(WEBHOOK_SECRET);
    cluster = await startCliCluster(3, 'webhooks', {
      PARLEY_WEBHOOK_URL: receiver.url,
      PARLEY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      PARLEY_WEBHOOK_UNREAD_DELAY_MS: '300',
      PARLEY_WEBHOOKS: JSON.stringify({ pollMs: 50, retryBaseMs: 50, retryMaxMs: 200, timeoutMs: 5_000, leaseMs: 30_000 }),
    });
  });
  after(async () => {
    await cluster?.close();
    await receiver?.close();
  });

  it('delivers each event once, whichever node sends it', async () => {
    const room = await cluster.createRoom(['ada', 'bob', 'carol'], 'Cluster hooks');
    const senders = await Promise.all(cluster.nodes.map((node, i) => cluster.connect(node, ['ada', 'bob', 'carol'][i])));
    const sent: string[] = [];
    await Promise.all(
      senders.map(async (client, i) => {
        for (let n = 0; n < PER_NODE; n++) {
          const { message } = await client.request('message.send', { room, clientId: `node${i}-${n}`, text: `from node ${i}, #${n}` });
          sent.push(message.id);
        }
      }),
    );
    await eventually(
      () => sent.every((id) => receiver.events.some((e) => e.type === 'message.created' && e.data.id === id)),
      'every message.created arrives',
      60_000,
    );
    // room.created + three member.added + the messages.
    const expected = 1 + 3 + sent.length;
    await eventually(async () => {
      const counts = await Promise.all(cluster.nodes.map((node) => okDeliveries(node.base)));
      return counts.reduce((a, b) => a + b, 0) >= expected;
    }, 'every node has counted its deliveries');
    const ids = receiver.events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event arrived twice');
    assert.equal(receiver.unique().length, expected);
    const counts = await Promise.all(cluster.nodes.map((node) => okDeliveries(node.base)));
    assert.equal(counts.reduce((a, b) => a + b, 0), expected, `deliveries counted by the nodes: ${counts.join(', ')}`);
    assert.equal(receiver.badSignatures, 0);
  });

  it('records updates, deletes, member and room changes and message.unread on PostgreSQL too', async () => {
    const room = await cluster.createRoom(['ada', 'bob', 'carol'], 'Kinds');
    const ada = await cluster.connect(cluster.nodes[1], 'ada');
    await ada.request('room.update', { room, topic: 'on postgres' });
    const { message } = await ada.request('message.send', { room, clientId: 'kinds-1', text: 'hi @carol' });
    await ada.request('message.edit', { messageId: message.id, clientId: 'kinds-2', text: 'hi again @carol' });
    const { message: gone } = await ada.request('message.send', { room, clientId: 'kinds-3', text: 'to delete' });
    await ada.request('message.delete', { messageId: gone.id, clientId: 'kinds-4' });
    await ada.request('room.kick', { room, user: 'bob' });
    const has = (type: string, match: (data: Record<string, unknown>) => boolean): boolean =>
      receiver.events.some((e) => e.type === type && match(e.data));
    await eventually(
      () =>
        has('room.updated', (d) => d.id === room && d.topic === 'on postgres') &&
        has('message.updated', (d) => d.id === message.id && d.text === 'hi again @carol') &&
        has('message.deleted', (d) => d.id === gone.id) &&
        has('member.removed', (d) => d.room === room && d.user === 'bob') &&
        has('message.unread', (d) => d.user === 'carol' && (d.message as { id: string }).id === message.id),
      'every kind of event arrives',
      60_000,
    );
    assert.ok(!has('message.unread', (d) => d.user === 'bob'), 'bob was not mentioned');
    const created = receiver.events.find((e) => e.type === 'message.created' && e.data.id === message.id);
    assert.deepEqual(created?.data.mentions, ['carol']);
  });
});
