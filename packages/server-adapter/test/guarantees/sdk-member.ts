/**
 * The real SDK (`createClient`, memory offline store, Node's `ws`) as a
 * checker client. Its WebSocket constructor is wrapped: the wrapper picks
 * the node (so the fault schedule can move the client), shows every frame
 * to the {@link WireTracker}, and can cut the socket at chosen moments —
 * instead of delivering a mutation's ack, right after the SDK received a
 * live event that skipped ahead, or at random. Everything else (outbox,
 * retries with the same clientId, resume, cursors) is the SDK's own.
 */
import WebSocket from 'ws';
import { MemoryOfflineStore, createClient } from '@parley/sdk';
import type { LocalMessage, ParleyClient, WebSocketConstructor, WebSocketLike } from '@parley/sdk';
import { expandEvent } from '@parley/sdk/protocol';
import type { Message, ServerFrame } from '@parley/sdk/protocol';
import type { AckLog } from './ack-log.js';
import type { Findings } from './findings.js';
import type { NodeRouter } from './node-router.js';
import type { RevIndex } from './rev-index.js';
import type { Rng } from './rng.js';
import { WireTracker } from './wire-tracker.js';
import type { ConnectionTap } from './wire-tracker.js';
import { EMOJIS, pause } from './workload.js';
import type { CutRates, Member } from './workload.js';

/** Mutations one SDK client keeps queued at most before its next action waits. */
const MAX_QUEUED = 6;
/** How long an action waits for room in the queue before it gives up this turn. */
const QUEUE_WAIT_MS = 250;
/** SDK requests (history pages) fail with a retryable timeout after this long. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Pages of history read at most per room when the view is completed at the end. */
const MAX_HISTORY_PAGES = 100;
const OPEN = 1;
const CLOSED = 3;

/** Settings of an {@link SdkMember}. */
export interface SdkMemberOptions {
  name: string;
  user: string;
  token: string;
  /** The server's HTTP base (the SDK derives its endpoints from it; the socket goes where the router says). */
  base: string;
  rooms: readonly string[];
  router: NodeRouter;
  rng: Rng;
  findings: Findings;
  acks: AckLog;
  revs: RevIndex;
  cuts: CutRates;
}

/** The socket handed to the SDK; see the module comment. */
class TappedSocket implements WebSocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly #ws: WebSocket;
  readonly #tap: ConnectionTap;
  readonly #member: SdkMember;
  #cut = false;
  #cutBecause: string | null = null;

  constructor(member: SdkMember) {
    this.#member = member;
    const router = member.router;
    const url = router.url();
    this.#tap = member.tracker.connection(router.index);
    this.#ws = new WebSocket(url);
    let opened = false;
    this.#ws.on('open', () => {
      opened = true;
      if (!this.#cut) this.onopen?.({});
    });
    this.#ws.on('message', (data) => this.#receive(Buffer.isBuffer(data) ? data.toString('utf8') : String(data)));
    this.#ws.on('error', () => {
      // A refused connection: the next attempt goes to the next allowed node.
      if (!opened) router.next();
      this.onerror?.({});
    });
    this.#ws.on('close', (code, reason) => {
      this.#tap.close(this.#cutBecause ?? `closed (${code})`);
      this.onclose?.({ code, reason: reason.toString('utf8') });
    });
  }

  get readyState(): number {
    return this.#cut ? CLOSED : this.#ws.readyState;
  }

  send(data: string): void {
    if (this.#cut || this.#ws.readyState !== OPEN) return;
    this.#tap.outbound(data);
    this.#ws.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }

  /** Drops the connection without a close handshake; nothing more reaches the SDK. */
  cut(why: string): void {
    if (this.#cut) return;
    this.#cut = true;
    this.#cutBecause = why;
    this.#ws.terminate();
  }

  #receive(text: string): void {
    if (this.#cut) return;
    this.#member.noteFrame();
    const frame = expandEvent(JSON.parse(text) as ServerFrame);
    const { rng, cuts, findings } = this.#member.options;
    if (frame.type === 'ack' && this.#tap.answersMutation(frame) && rng.chance(cuts.lostAck)) {
      findings.figures.lostAckCuts += 1;
      this.cut('ack swallowed');
      return;
    }
    const { skippedAhead } = this.#tap.inbound(frame);
    this.onmessage?.({ data: text });
    if (skippedAhead && rng.chance(cuts.skipAhead)) {
      // The SDK has just applied an event beyond a hole: its next resume must still start below the hole.
      findings.figures.skipCuts += 1;
      this.cut('cut after a skip-ahead');
    }
  }
}

/** See the module comment. */
export class SdkMember implements Member {
  readonly name: string;
  readonly router: NodeRouter;
  readonly tracker: WireTracker;
  readonly options: SdkMemberOptions;
  readonly store = new MemoryOfflineStore();
  readonly client: ParleyClient;
  readonly #queued = new Set<Promise<unknown>>();
  #socket: TappedSocket | null = null;
  #lastFrameAt = Date.now();
  #counter = 0;

  constructor(options: SdkMemberOptions) {
    this.options = options;
    this.name = options.name;
    this.router = options.router;
    this.tracker = new WireTracker({
      name: options.name,
      user: options.user,
      findings: options.findings,
      acks: options.acks,
      revs: options.revs,
    });
    const random = options.rng.fork();
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the constructor below is the SDK's, `this` there is the socket
    const member = this;
    const Tapped = class extends TappedSocket {
      constructor() {
        super(member);
        member.#socket = this;
      }
    };
    this.client = createClient({
      url: options.base,
      token: options.token,
      WebSocket: Tapped as unknown as WebSocketConstructor,
      offline: this.store,
      reconnect: { baseMs: 50, capMs: 500, random: () => random.next() },
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
  }

  /** @internal A frame arrived. */
  noteFrame(): void {
    this.#lastFrameAt = Date.now();
  }

  get lastFrameAt(): number {
    return this.#lastFrameAt;
  }

  get connected(): boolean {
    return this.client.state.connection === 'online';
  }

  /** Loads the (empty) cache and connects; resolves once online or at `deadline`. */
  async start(deadline: number): Promise<boolean> {
    await this.client.connect();
    return this.#until(() => this.connected, deadline);
  }

  async step(): Promise<void> {
    const { rng, findings, cuts } = this.options;
    if (rng.chance(cuts.random)) {
      findings.figures.randomCuts += 1;
      this.cut('random cut');
      return;
    }
    if (this.#queued.size >= MAX_QUEUED) {
      await Promise.race([...this.#queued, pause(QUEUE_WAIT_MS)]);
      return;
    }
    const roll = rng.next();
    const room = rng.pick(this.options.rooms);
    if (roll < 0.55) this.#send(room);
    else if (roll < 0.67) this.#edit(room);
    else if (roll < 0.72) this.#delete(room);
    else if (roll < 0.9) this.#react(room);
    else await this.client.room(room).loadOlder(50).catch(() => undefined);
  }

  cut(why: string): void {
    this.#socket?.cut(why);
  }

  async settle(deadline: number): Promise<boolean> {
    // Changes refused for good stay in the outbox as failed: note them and let them go.
    await this.#until(() => this.connected && this.client.state.pending === 0, deadline);
    const snapshot = await this.store.load();
    for (const entry of snapshot.outbox) {
      if (entry.status !== 'failed') continue;
      this.options.findings.note('sdk-failed', `${this.name} ${entry.kind} ${entry.clientId}: ${entry.error?.code ?? '?'}`);
      this.client.room(entry.room).discard(entry.clientId);
    }
    return this.connected && this.client.state.pending === 0 && this.client.state.failed === 0;
  }

  /** Loads older pages of every room until the SDK says there are none (the comparison needs whole rooms). */
  async loadAll(deadline: number): Promise<void> {
    for (const room of this.options.rooms) {
      const handle = this.client.room(room);
      for (let page = 0; page < MAX_HISTORY_PAGES && handle.state?.hasOlder && Date.now() < deadline; page++) {
        await handle.loadOlder(200).catch(() => pause(100));
      }
    }
  }

  view(room: string): Message[] {
    const messages = this.client.state.rooms[room]?.messages ?? [];
    return messages.filter((m) => m.status !== 'pending' && m.status !== 'failed').map(committed);
  }

  /** The resume cursor of each room as the SDK stored it. */
  async persistedCursors(): Promise<Map<string, { seq: number; rev: number }>> {
    const snapshot = await this.store.load();
    return new Map(snapshot.rooms.map((record) => [record.id, record.cursor]));
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  // ── actions: through the SDK's outbox, which retries with the same clientId ──

  #send(room: string): void {
    const text = `${this.name} says ${++this.#counter}`;
    const parent = this.options.rng.chance(0.1) ? this.#pick(room, (m) => m.kind === 'user' && m.deletedAt === null) : undefined;
    this.#track(this.client.room(room).send(text, parent ? { parentId: parent.id } : {}));
  }

  #edit(room: string): void {
    const target = this.#pick(room, (m) => this.#isOwnLive(m));
    if (!target) return this.#send(room);
    this.#track(this.client.room(room).edit(target.id, `${this.name} edit ${++this.#counter}`));
  }

  #delete(room: string): void {
    const target = this.#pick(room, (m) => this.#isOwnLive(m));
    if (target) this.#track(this.client.room(room).delete(target.id));
  }

  #react(room: string): void {
    const target = this.#pick(room, (m) => m.kind === 'user' && m.deletedAt === null);
    if (target) this.#track(this.client.room(room).react(target.id, this.options.rng.pick(EMOJIS)));
  }

  #isOwnLive(message: LocalMessage): boolean {
    return message.sender === this.options.user && message.kind === 'user' && message.deletedAt === null;
  }

  #pick(room: string, fits: (message: LocalMessage) => boolean): LocalMessage | undefined {
    const candidates = (this.client.state.rooms[room]?.messages ?? []).filter(
      (m) => m.status !== 'pending' && m.status !== 'failed' && fits(m),
    );
    return candidates.length ? this.options.rng.pick(candidates) : undefined;
  }

  #track(done: Promise<unknown>): void {
    // Refusals are counted on the wire; the promise only tells when the queue has room again.
    const settled: Promise<unknown> = done.catch(() => undefined).finally(() => this.#queued.delete(settled));
    this.#queued.add(settled);
  }

  async #until(condition: () => boolean, deadline: number): Promise<boolean> {
    while (!condition()) {
      if (Date.now() > deadline) return false;
      await pause(20);
    }
    return true;
  }
}

/** A view message without the SDK's delivery status. */
function committed(message: LocalMessage): Message {
  const { status: _status, error: _error, ...rest } = message;
  return rest;
}
