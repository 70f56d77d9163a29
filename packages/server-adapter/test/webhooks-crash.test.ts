/**
 * Fault test: the CLI server is SIGKILLed after messages committed but before
 * their webhooks could be delivered (the receiver refuses, then is gone).
 * Started again on the same data, it delivers every event.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { devToken, exited, startCli } from './cli-process.js';
import { TestClient, eventually } from './helpers.js';
import { startWebhookReceiver } from './webhook-receiver.js';
import type { WebhookReceiver } from './webhook-receiver.js';

const WEBHOOK_SECRET = 'webhook-secret-for-crash-tests-42';
const MESSAGES = 20;

describe('webhooks survive a SIGKILL between commit and delivery', () => {
  let child: ChildProcess | null = null;
  let dataDir = '';
  let receiver: WebhookReceiver | null = null;
  const clients: TestClient[] = [];

  after(async () => {
    for (const client of clients) client.terminate();
    if (child) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await receiver?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('delivers every committed event after the restart', async () => {
    const hooks = await startWebhookReceiver(WEBHOOK_SECRET);
    receiver = hooks;
    hooks.fail(true);
    dataDir = await mkdtemp(join(tmpdir(), 'parley-webhooks-crash-'));
    const env = {
      PARLEY_JWT_SECRET: '',
      PARLEY_WEBHOOK_URL: hooks.url,
      PARLEY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      PARLEY_WEBHOOKS: JSON.stringify({ pollMs: 100, retryBaseMs: 50, retryMaxMs: 200, timeoutMs: 2_000, leaseMs: 5_000 }),
    };
    const args = ['--dev', '--invitations', 'direct'];
    const first = await startCli({ dataDir, args, env });
    child = first.child;
    const ada = await TestClient.connect(first.wsUrl, await devToken(first.base, 'ada'));
    clients.push(ada);
    const { room } = await ada.request('room.create', { kind: 'group', name: 'Crash', members: ['bob'] });
    const sent: string[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const { message } = await ada.request('message.send', { room: room.id, clientId: `crash-${i}`, text: `message ${i}` });
      sent.push(message.id);
    }
    // Every send was acked (committed); the receiver has accepted nothing.
    await eventually(() => hooks.refused > 0, 'the server tried and was refused');
    await hooks.stop();
    hooks.fail(false);
    child.kill('SIGKILL');
    await exited(child);
    child = null;
    assert.equal(hooks.events.length, 0, 'nothing was delivered before the kill');

    await hooks.start();
    child = (await startCli({ dataDir, args, env, port: first.port })).child;
    await eventually(
      () => sent.every((id) => hooks.unique('message.created').some((event) => event.data.id === id)),
      'every message.created arrives after the restart',
      60_000,
    );
    assert.ok(hooks.unique('room.created').some((event) => event.data.id === room.id), 'room.created arrives');
    assert.equal(hooks.unique('member.added').filter((event) => event.data.room === room.id).length, 2);
    for (const id of sent) {
      const ids = new Set(hooks.events.filter((e) => e.type === 'message.created' && e.data.id === id).map((e) => e.id));
      assert.equal(ids.size, 1, `one event id for ${id}`);
    }
    assert.equal(hooks.badSignatures, 0);
  });
});
