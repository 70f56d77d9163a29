/**
 * A real SDK client for stories: its device cache is preloaded from a
 * recording (`stories/recordings/*.json`, made by `stories/record.ts` against
 * the real server), and its server is never reachable, so the elements render
 * the cached conversation, queued and failed messages exactly as a user
 * offline would see them.
 */
import { createClient, MemoryOfflineStore } from '@parley/sdk';
import type { OfflineSnapshot, ParleyClient } from '@parley/sdk';

/** A recording: who is signed in and what their device held. */
export interface Recording {
  user: string;
  userName: string;
  snapshot: OfflineSnapshot;
}

/** Nothing listens on port 9 (discard): the connection is refused at once, every time. */
const UNREACHABLE = 'ws://127.0.0.1:9/v1/ws';

/** Clients of the story on screen; disposed when the next story renders. */
const live = new Set<ParleyClient>();

/** Disposes the clients made for the previous story (called by the preview's decorator). */
export function disposeStoryClients(): void {
  for (const client of live) void client.dispose();
  live.clear();
}

/**
 * Creates a client whose cache holds `recording` and starts it: the cache
 * loads, then the connection attempt fails and the client stays offline.
 * `connect: false` leaves it idle with an empty store (the loading state).
 */
export function recordedClient(recording: Recording, options: { connect?: boolean } = {}): ParleyClient {
  const store = new MemoryOfflineStore();
  const client = createClient({
    url: UNREACHABLE,
    userId: recording.user,
    // No server will ever ask; the cache is opened from `userId`.
    token: () => Promise.reject(new Error('stories have no server')),
    offline: store,
    // Retry rarely so an open story does not spin.
    reconnect: { baseMs: 60_000, capMs: 600_000 },
  });
  live.add(client);
  if (options.connect === false) return client;
  const { snapshot } = recording;
  void (async () => {
    await store.open({ name: `parley:${client.endpoints.ws}:${recording.user}`, historyLimit: Infinity });
    await store.write({
      outbox: snapshot.outbox.map((entry) => [entry.clientId, entry]),
      rooms: snapshot.rooms.map((room) => [room.id, room]),
      messages: Object.entries(snapshot.messages),
    });
    await store.close();
    await client.connect();
  })();
  return client;
}
