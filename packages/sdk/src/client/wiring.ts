/**
 * Builds the parts of a client — the engine, the outbox, the managers, the
 * room registry and the gap catch-up — and connects them: each part gets
 * callbacks into the others and into the client ({@link PartsHost}), never a
 * reference to the client itself.
 */
import { RoomRegistry } from '../chat/room-registry.js';
import { Engine } from '../engine/engine.js';
import { ParleyError } from '../errors.js';
import type { Emitter } from '../events.js';
import { GapCatchUp } from '../managers/gap-catch-up.js';
import { Outbox } from '../managers/outbox.js';
import { PresenceManager } from '../managers/presence.js';
import { ReadStateManager } from '../managers/read-state.js';
import { TypingManager } from '../managers/typing.js';
import type { OutboxEntry } from '../offline/types.js';
import type { OfflineWriter } from '../offline/writer.js';
import { Timing } from '../protocol/limits.js';
import { DEFAULT_BACKOFF } from '../transport/backoff.js';
import { browserNetworkMonitor } from '../transport/platform.js';
import type { Timers, WebSocketConstructor } from '../transport/platform.js';
import type { ClientEvents } from './client-events.js';
import type { ClientOptions } from './options.js';
import type { Requester } from './outbox-requests.js';

const HANDSHAKE_TIMEOUT = Timing.authTimeoutMs + 5_000;
const TYPING_THROTTLE_MS = 1_000;
const RECEIPT_BATCH_MS = 250;
/** A room whose live events skipped a rev is caught up with `sync` if the gap is still open after this (ms)… */
const GAP_CATCH_UP_MS = 1_500;
/** …and at most this rarely while gaps keep reappearing. */
const GAP_CATCH_UP_MAX_MS = 30_000;

/** The parts of one client. */
export interface ClientParts {
  readonly engine: Engine;
  readonly outbox: Outbox;
  readonly typing: TypingManager;
  readonly presence: PresenceManager;
  readonly readState: ReadStateManager;
  readonly registry: RoomRegistry;
  readonly gaps: GapCatchUp;
}

/** What the parts call back into. */
export interface PartsHost {
  /** The signed-in user's id ('' before it is known). */
  me(): string;
  /** The writer into the device storage (null before `connect()` and after `dispose()`). */
  writer(): OfflineWriter | null;
  /** clientId → server id of sends acked in this session. */
  readonly sentIds: ReadonlyMap<string, string>;
  readonly events: Emitter<ClientEvents>;
  /** Runs a network-driven change, then publishes the state. */
  mutate<T>(fn: () => T): T;
  /** A request with the client's timeout (the escape hatch `client.request`). */
  request: Requester;
  /** Sends an outbox entry (see `outbox-requests.ts`). */
  dispatch(entry: OutboxEntry, messageId: string | null): Promise<unknown>;
  /** The resume after a (re)connect finished. */
  resumed(): void;
}

/** Stand-in used when no WebSocket exists; never constructed, as `connect()` refuses first. */
const MissingWebSocket: WebSocketConstructor = class {
  constructor() {
    throw new ParleyError('offline', 'no WebSocket implementation: pass the `WebSocket` option');
  }
} as unknown as WebSocketConstructor;

/** Builds and connects the parts; `WebSocket` is null where the platform has none. */
export function createParts(
  options: ClientOptions,
  url: string,
  timers: Timers,
  WebSocket: WebSocketConstructor | null,
  host: PartsHost,
): ClientParts {
  const engine: Engine = new Engine({
    url,
    token: options.token,
    WebSocket: WebSocket ?? MissingWebSocket,
    backoff: { ...DEFAULT_BACKOFF, ...options.reconnect },
    random: options.reconnect?.random ?? Math.random,
    timers,
    network: browserNetworkMonitor(),
    handshakeTimeoutMs: HANDSHAKE_TIMEOUT,
    resume: {
      cursors: () => registry.cursors(),
      applySync: (rooms) => host.mutate(() => registry.applySync(rooms)),
      applyRooms: (result) => host.mutate(() => registry.applyRooms(result)),
      resumed: () => host.resumed(),
    },
  });
  const outbox = new Outbox({
    persist: (entry) => {
      const writer = host.writer();
      return writer ? writer.putOutbox(entry) : Promise.reject(notStarted());
    },
    forget: (clientId) => host.writer()?.deleteOutbox(clientId),
    dispatch: (entry, messageId) => host.dispatch(entry, messageId),
    resolveMessageId: (room, clientId) =>
      host.sentIds.get(clientId) ?? registry.get(room)?.list.idFor(host.me(), clientId) ?? null,
    timers,
    now: () => Date.now(),
    newId: () => crypto.randomUUID(),
  });
  const typing = new TypingManager({
    send: (room, isTyping) => {
      if (engine.authenticated) engine.request('typing', { room, typing: isTyping }).catch(() => undefined);
    },
    timers,
    now: () => Date.now(),
    ttlMs: Timing.typingTtlMs,
    throttleMs: TYPING_THROTTLE_MS,
  });
  const presence = new PresenceManager({
    set: (status) => host.request('presence.set', { status }),
    get: async (users) => (await host.request('presence.get', { users })).presence,
  });
  const readState = new ReadStateManager({
    sendDelivered: (room, seq) => engine.request('receipt', { room, delivered: seq }),
    canSend: () => engine.authenticated,
    me: () => host.me(),
    timers,
    batchMs: RECEIPT_BATCH_MS,
  });
  const registry: RoomRegistry = new RoomRegistry({
    me: () => host.me(),
    entries: () => outbox.entries,
    writer: () => host.writer(),
    readState,
    typing,
    events: host.events,
    liveGap: () => gaps.noticed(),
  });
  const gaps: GapCatchUp = new GapCatchUp({
    timers,
    delayMs: GAP_CATCH_UP_MS,
    maxDelayMs: GAP_CATCH_UP_MAX_MS,
    gapped: () => registry.gapped(),
    catchUp: (rooms) => engine.catchUp(rooms),
  });

  // Changes of one part that show in another's state.
  outbox.on('change', () => host.mutate(() => registry.outboxChanged()));
  typing.on('change', ({ room }) => host.mutate(() => registry.touch(room)));
  presence.on('change', () => host.mutate(() => undefined));
  readState.on('change', ({ room }) => host.mutate(() => registry.touch(room)));

  return { engine, outbox, typing, presence, readState, registry, gaps };
}

function notStarted(): ParleyError {
  return new ParleyError('offline', 'call connect() before sending');
}
