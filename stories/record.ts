/**
 * Records the data the Storybook stories render: starts the real Parley
 * server (temp directory, dev auth, port 0), drives real SDK clients through
 * conversations, and writes what Ada's device cache (a `MemoryOfflineStore`)
 * holds at chosen moments to `stories/recordings/*.json`.
 *
 * Run from the repository root after changing the SDK's cache format:
 *
 *   node --conditions=source --import tsx stories/record.ts
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { createServer } from '@parley/server-adapter';
import type { ParleyServer } from '@parley/server-adapter';
import { createClient, fetchDevToken, MemoryOfflineStore } from '@parley/sdk';
import type { ParleyClient, OfflineSnapshot } from '@parley/sdk';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'recordings');
/** Messages in the long-history room: more than the 200 a device caches, so older ones stay on the server. */
const LONG_HISTORY = 240;

interface Recorder {
  url: string;
  /** A connected client for `user` (its own memory store unless one is given). */
  connect(user: string, name: string, store?: MemoryOfflineStore): Promise<ParleyClient>;
}

/** What a story needs besides the cache: who is signed in. */
interface Recording {
  user: string;
  userName: string;
  snapshot: OfflineSnapshot;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-stories-'));
  const server: ParleyServer = createServer({
    dataDir,
    logger: false,
    auth: { dev: true, secret: 'storybook-recording-secret-long-enough-for-hs256' },
    invitations: 'direct',
  });
  const clients: ParleyClient[] = [];
  try {
    const { port } = await server.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const recorder: Recorder = {
      url,
      async connect(user, name, store) {
        const token = await fetchDevToken(url, user, name);
        const client = createClient({ url, token, WebSocket, offline: store ?? 'memory' });
        clients.push(client);
        await client.connect();
        await client.whenOnline();
        return client;
      },
    };
    await record(recorder, server);
  } finally {
    await Promise.allSettled(clients.map((c) => c.dispose()));
    await server.close().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function record(r: Recorder, server: ParleyServer): Promise<void> {
  const adaStore = new MemoryOfflineStore();
  let ada = await r.connect('ada', 'Ada Lovelace', adaStore);
  const bob = await r.connect('bob', 'Bob Marley');
  const cleo = await r.connect('cleo', 'Cleo Park');
  const dan = await r.connect('dan', 'Dan Okafor');

  // A design discussion with replies, a thread, reactions, an edit and a delete.
  const designRoom = await ada.createRoom({
    room: 'design',
    kind: 'group',
    name: 'Design review',
    topic: 'Weekly critique of the new onboarding flow',
    members: ['bob', 'cleo', 'dan'],
  });
  const design = (c: ParleyClient) => c.room(designRoom.id);
  await design(ada).send('Morning! The onboarding mockups are up in the shared folder.');
  const question = await design(bob).send('Nice. Are we keeping the three-step wizard or going with a single page?');
  await design(cleo).send('Single page tested better last round — fewer people dropped off at step two.');
  await design(bob).send('Agreed, though the **privacy** step needs its own screen for legal.', { parentId: question.id });
  await design(ada).send('We can fold it into a collapsible section, _legal_ signed off on that in March.', { parentId: question.id });
  await design(dan).send('I can prototype both by Thursday.', { parentId: question.id });
  const typo = await design(cleo).send('Colour contrast on the secondary buttons is too low in dark mode');
  await design(cleo).edit(typo.id, 'Colour contrast on the secondary buttons is too low in dark mode (3.1:1, needs 4.5:1).');
  const oops = await design(dan).send('wrong channel, sorry');
  await design(dan).delete(oops.id);
  const ship = await design(ada).send('Decision: single page, collapsible privacy section. Shipping the prototype Friday 🚀');
  for (const [client, emojis] of [
    [ada, ['🎉', '👍']],
    [bob, ['🎉', '❤️', '👍', '🚀']],
    [cleo, ['🎉', '😮', '👀', '👍']],
    [dan, ['🎉', '🙌', '✅', '🔥', '👍', '💯']],
  ] as const) {
    for (const emoji of emojis) await design(client).react(ship.id, emoji);
  }
  await design(bob).send('See `onboarding-v3.fig` for the final frames: https://example.com/figma/onboarding-v3');
  design(ada).markRead();

  // A busy room with more history than the device keeps.
  const historyRoom = await bob.createRoom({ room: 'standup', kind: 'group', name: 'Daily standup', members: ['ada', 'cleo'] });
  const speakers = [bob, cleo, ada] as const;
  for (let i = 1; i <= LONG_HISTORY; i++) {
    const speaker = speakers[i % speakers.length]!;
    await speaker.room(historyRoom.id).send(`Update ${i}: ${UPDATES[i % UPDATES.length]}`);
  }

  // A room nobody has written in yet, a public room with unread news, a direct chat.
  await ada.createRoom({ room: 'quiet', kind: 'group', name: 'Quiet corner', topic: 'Nothing here yet', members: ['bob'] });
  const news = await cleo.createRoom({ room: 'announcements', kind: 'public', name: 'Announcements' });
  await ada.joinRoom(news.id);
  await cleo.room(news.id).send('The office is closed on Monday for the public holiday.');
  await cleo.room(news.id).send('New laptops arrive next week — reply in the thread if you need a specific keyboard layout.');
  const direct = await bob.directRoom('ada');
  await direct.send('Got a minute after lunch to go through the release notes?');
  await ada.room(direct.id).send('Sure, 14:00 works.');

  await save('rooms', ada, adaStore);

  // A send the server refuses for good: Bob mutes Ada in a room he owns.
  const launch = await bob.createRoom({ room: 'launch', kind: 'group', name: 'Launch checklist', members: ['ada'] });
  await launch.send('Checklist is frozen until the go/no-go meeting.');
  await launch.mute('ada');
  ada = await reload(r, ada, adaStore);
  await ada
    .room(launch.id)
    .send('Can we add the status page update to the list?')
    .then(
      () => {
        throw new Error('the muted send was accepted');
      },
      () => undefined,
    );
  await save('failed-send', ada, adaStore);

  // Offline: the server goes away and Ada keeps writing; the messages wait in the outbox.
  ada = await reload(r, ada, adaStore);
  await server.close();
  await waitFor(() => ada.state.connection !== 'online', 'Ada to notice the server is gone');
  void ada.room(designRoom.id).send('Train is in a tunnel, will send the notes when I am back online.').catch(() => undefined);
  void ada.room(designRoom.id).send('Notes: keep the progress bar, drop the mascot.').catch(() => undefined);
  await save('offline', ada, adaStore);

  // Someone who just signed up: a cache with no rooms.
  // (Recorded from Dan's view before the server stopped would need another store;
  // an empty cache is simply what a fresh store holds.)
  await writeRecording('no-rooms', { user: 'eve', userName: 'Eve Adams', snapshot: { outbox: [], rooms: [], messages: {} } });
}

/** Disposes `client` (flushing its cache) and connects Ada again on the same store, like a page reload. */
async function reload(r: Recorder, client: ParleyClient, store: MemoryOfflineStore): Promise<ParleyClient> {
  await client.dispose();
  return r.connect('ada', 'Ada Lovelace', store);
}

/**
 * Flushes Ada's cache and writes it as `<name>.json`; Ada stays usable
 * afterwards via {@link reload}. First Ada opens every room, as `<chat-room>`
 * does (the newest page of history), so the cache holds what she has seen;
 * a room never opened holds only what arrived live (not its "created" line).
 */
async function save(name: string, client: ParleyClient, store: MemoryOfflineStore): Promise<void> {
  if (client.state.connection === 'online') {
    for (const id of Object.keys(client.state.rooms)) await client.room(id).loadOlder();
  }
  await client.disconnect();
  await store.open({ name: `parley:${client.endpoints.ws}:ada`, historyLimit: Infinity });
  const snapshot = await store.load();
  await writeRecording(name, { user: 'ada', userName: 'Ada Lovelace', snapshot });
}

async function writeRecording(name: string, recording: Recording): Promise<void> {
  await mkdir(OUT, { recursive: true });
  await writeFile(join(OUT, `${name}.json`), `${JSON.stringify(recording, null, 1)}\n`);
  const s = recording.snapshot;
  const count = Object.values(s.messages).reduce((n, list) => n + list.length, 0);
  console.log(`${name}.json: ${s.rooms.length} rooms, ${count} messages, ${s.outbox.length} outbox entries`);
}

/** Polls `check` every 20 ms for at most 30 s (a bound for a busy machine). */
async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const UPDATES = [
  'finished the billing migration, reviewing the rollback plan today',
  'blocked on the staging certificate, pinged ops',
  'pairing with Cleo on the search ranking bug',
  'release notes drafted, need a second pair of eyes',
  'fixed the flaky upload test (it was a timezone issue)',
  'out this afternoon for the dentist',
  'benchmarks look good: p95 down 18% after the cache change',
];

await main();
