/**
 * A real SDK client for stories: its device cache is preloaded from a
 * recording (`stories/recordings/*.json`, made by `stories/record.ts` against
 * the real server), and it has no network (see `no-network-websocket.ts`), so
 * the elements render the cached conversation, queued and failed messages
 * exactly as a user offline would see them.
 */
import { createClient, MemoryOfflineStore } from '@parley/sdk';
import type { OfflineSnapshot, ParleyClient, TokenSource, WebSocketConstructor } from '@parley/sdk';
import { NoNetworkWebSocket, UnansweredWebSocket } from './no-network-websocket.js';

/** A recording: who is signed in and what their device held. */
export interface Recording {
  user: string;
  userName: string;
  snapshot: OfflineSnapshot;
}

/** How a story's client sees the network. */
export interface RecordedClientOptions {
  /**
   * `offline` (default): no network; the cache holds the recording.
   * `first-visit`: nothing cached yet and the server has not answered, so
   * the elements show their loading state (the SDK gives up on the silent
   * server after its handshake timeout, then shows offline).
   */
  network?: 'offline' | 'first-visit';
  /** A stand-in server instead of no network (`refusing-websocket.ts`: the failure stories). */
  server?: WebSocketConstructor;
  /** The token; by default a function that fails (no story without `server` ever asks for it). */
  token?: TokenSource;
  /** Reconnect delays; by default rare, so an open story does not spin. */
  reconnect?: { baseMs: number; capMs: number };
}

/** A server address for the cache's name; never contacted (the client has no network). */
const SERVER = 'https://chat.example.com';

/** Clients of the story on screen; disposed when the next story renders. */
const live = new Set<ParleyClient>();

/** Disposes the clients made for the previous story (called by the preview's decorator). */
export function disposeStoryClients(): void {
  for (const client of live) void client.dispose();
  live.clear();
}

/** Creates a started client for `recording`'s user; see {@link RecordedClientOptions}. */
export function recordedClient(recording: Recording, options: RecordedClientOptions = {}): ParleyClient {
  const firstVisit = options.network === 'first-visit';
  const store = new MemoryOfflineStore();
  const client = createClient({
    url: SERVER,
    WebSocket: options.server ?? (firstVisit ? UnansweredWebSocket : NoNetworkWebSocket),
    userId: recording.user,
    // The cache is opened from `userId`; only a stand-in server asks for the token.
    token: options.token ?? (() => Promise.reject(new Error('stories have no server'))),
    offline: store,
    // Workspace documents stay in memory: a story must not find another story's document on the device.
    workspaceStore: 'memory',
    // Retry rarely so an open story does not spin.
    reconnect: options.reconnect ?? { baseMs: 60_000, capMs: 600_000 },
  });
  live.add(client);
  void (async () => {
    if (!firstVisit) await preload(store, client, recording);
    await client.connect();
  })();
  return client;
}

/** Writes the recording into the store under the name the client will open it by. */
async function preload(store: MemoryOfflineStore, client: ParleyClient, recording: Recording): Promise<void> {
  const { snapshot } = recording;
  await store.open({ name: `parley:${client.endpoints.ws}:${recording.user}`, historyLimit: Infinity });
  await store.write({
    outbox: snapshot.outbox.map((entry) => [entry.clientId, entry]),
    rooms: snapshot.rooms.map((room) => [room.id, room]),
    messages: Object.entries(snapshot.messages),
  });
  await store.close();
}
