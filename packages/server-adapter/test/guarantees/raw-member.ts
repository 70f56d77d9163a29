/**
 * A raw protocol client for the checker: one `ws` socket at a time, its own
 * view of its rooms (every message by id, the highest rev wins), and the
 * simple resume docs/protocol.md describes — on every (re)connect, `sync`
 * each room from the highest rev it holds contiguously (paging while
 * `more`), then resend every mutation not yet acknowledged, with the same
 * clientId, in the order they were made.
 *
 * Its socket can be cut at chosen moments: at random, instead of delivering
 * a mutation's ack, or right after a live event that skipped ahead.
 */
import WebSocket from 'ws';
import { PROTOCOL_VERSION, expandEvent } from '@parley/sdk/protocol';
import type { Message, RequestArgs, RequestResult, RequestType, ServerFrame } from '@parley/sdk/protocol';
import type { AckLog } from './ack-log.js';
import type { Findings } from './findings.js';
import type { NodeRouter } from './node-router.js';
import type { RevIndex } from './rev-index.js';
import type { Rng } from './rng.js';
import { WireTracker } from './wire-tracker.js';
import type { ConnectionTap } from './wire-tracker.js';
import { EMOJIS, pause } from './workload.js';
import type { CutRates, Member } from './workload.js';

/** How long a request may go unanswered before the socket counts as dead. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How long opening a socket and authenticating may take. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Pages of one resume, at most (a room further behind continues on the next connection). */
const MAX_SYNC_PAGES = 200;
/** Retries of one mutation refused as retryable (rate limits) before it waits for the next connection. */
const MAX_RETRYABLE = 5;

/** The socket died (or never opened); the request's fate is unknown. */
class Disconnected extends Error {}

/** The server answered with an error frame. */
class Refused extends Error {
  constructor(
    readonly code: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | undefined,
  ) {
    super(code);
  }
}

interface Pending {
  resolve(frame: ServerFrame): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** One socket of a raw member. */
class Link {
  readonly pending = new Map<number, Pending>();
  dead = false;
  nextId = 1;
  /** Why the client cut it, if it did. */
  cutBecause: string | null = null;

  constructor(
    readonly ws: WebSocket,
    readonly tap: ConnectionTap,
  ) {}

  /** Cuts the socket without a close handshake, as a network failure would. */
  cut(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.cutBecause = why;
    this.ws.terminate();
  }
}

/** A mutation made and not yet acknowledged (or refused). */
interface Mutation {
  type: 'message.send' | 'message.edit' | 'message.delete' | 'message.react';
  args: Record<string, unknown> & { clientId: string };
}

/** Settings of a {@link RawMember}. */
export interface RawMemberOptions {
  name: string;
  user: string;
  token: string;
  rooms: readonly string[];
  router: NodeRouter;
  rng: Rng;
  findings: Findings;
  acks: AckLog;
  revs: RevIndex;
  cuts: CutRates;
}

/** See the module comment. */
export class RawMember implements Member {
  readonly name: string;
  readonly router: NodeRouter;
  readonly tracker: WireTracker;
  readonly #options: RawMemberOptions;
  readonly #views = new Map<string, Map<string, Message>>();
  readonly #unacked: Mutation[] = [];
  #link: Link | null = null;
  #counter = 0;
  #lastFrameAt = Date.now();

  constructor(options: RawMemberOptions) {
    this.#options = options;
    this.name = options.name;
    this.router = options.router;
    this.tracker = new WireTracker({
      name: options.name,
      user: options.user,
      findings: options.findings,
      acks: options.acks,
      revs: options.revs,
      roomsFromStart: options.rooms,
    });
    for (const room of options.rooms) this.#views.set(room, new Map());
  }

  /** When this member last received a frame. */
  get lastFrameAt(): number {
    return this.#lastFrameAt;
  }

  /** Whether a socket is up, resumed, and nothing waits for an ack. */
  get settled(): boolean {
    return this.#link !== null && this.#unacked.length === 0;
  }

  /** One action of the workload (connecting first when needed). */
  async step(): Promise<void> {
    if (!this.#link) {
      await this.connect();
      return;
    }
    const { rng } = this.#options;
    const roll = rng.next();
    const room = rng.pick(this.#options.rooms);
    if (rng.chance(this.#options.cuts.random)) {
      this.#options.findings.figures.randomCuts += 1;
      this.#link.cut('random cut');
      return;
    }
    if (roll < 0.55) await this.#send(room);
    else if (roll < 0.67) await this.#edit(room);
    else if (roll < 0.72) await this.#delete(room);
    else if (roll < 0.9) await this.#react(room);
    else await this.#readHistory(room);
  }

  /** Cuts the current socket (the fault schedule moves the member to another node). */
  cut(why: string): void {
    this.#link?.cut(why);
  }

  /** Whether the member's socket is up. */
  get connected(): boolean {
    return this.#link !== null;
  }

  /** Connects (retrying over the allowed nodes until `deadline`), resumes and resends what is unacknowledged. */
  async connect(deadline = Date.now() + CONNECT_TIMEOUT_MS): Promise<boolean> {
    while (!this.#link) {
      if (Date.now() > deadline) return false;
      try {
        this.#link = await this.#open(this.router.url(), this.router.index);
      } catch {
        this.router.next();
        await pause(50 + this.#options.rng.int(0, 100));
      }
    }
    try {
      await this.#resume();
      await this.#replay();
      return true;
    } catch (error) {
      if (!(error instanceof Disconnected || error instanceof Refused)) throw error;
      // A refused resume leaves the member where it was: start over on a fresh socket.
      this.#link?.cut('resume refused');
      return false;
    }
  }

  /** Until `deadline`: connected, and every mutation acknowledged or refused. */
  async settle(deadline: number): Promise<boolean> {
    while (Date.now() < deadline) {
      if (this.settled) return true;
      await this.connect(deadline);
      if (!this.settled) await pause(100);
    }
    return this.settled;
  }

  /** The member's messages of `room`, in seq order. */
  view(room: string): Message[] {
    return [...(this.#views.get(room)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  }

  /** Closes the socket for good. */
  close(): void {
    this.#link?.cut('end of the run');
  }

  // ── actions ───────────────────────────────────────────────────────────────

  async #send(room: string): Promise<void> {
    const { rng } = this.#options;
    const clientId = this.#newClientId('s');
    const args: Mutation['args'] = { room, clientId, text: `${this.name} says ${clientId}` };
    if (rng.chance(0.1)) {
      const parent = this.#pickMessage(room, (m) => m.kind === 'user' && m.deletedAt === null);
      if (parent) args.parentId = parent.id;
    }
    await this.#mutate({ type: 'message.send', args });
  }

  async #edit(room: string): Promise<void> {
    const target = this.#pickMessage(room, (m) => this.#isOwnLive(m));
    if (!target) return this.#send(room);
    const clientId = this.#newClientId('e');
    await this.#mutate({ type: 'message.edit', args: { messageId: target.id, clientId, text: `${this.name} edit ${clientId}` } });
  }

  async #delete(room: string): Promise<void> {
    const target = this.#pickMessage(room, (m) => this.#isOwnLive(m));
    if (!target) return;
    await this.#mutate({ type: 'message.delete', args: { messageId: target.id, clientId: this.#newClientId('d') } });
  }

  async #react(room: string): Promise<void> {
    const target = this.#pickMessage(room, (m) => m.kind === 'user' && m.deletedAt === null);
    if (!target) return;
    const emoji = this.#options.rng.pick(EMOJIS);
    const on = !(target.reactions[emoji] ?? []).includes(this.#options.user);
    await this.#mutate({ type: 'message.react', args: { messageId: target.id, clientId: this.#newClientId('r'), emoji, on } });
  }

  async #readHistory(room: string): Promise<void> {
    const newest = this.view(room).at(-1)?.seq ?? 0;
    const before = newest > 1 ? this.#options.rng.int(2, newest + 1) : undefined;
    try {
      const { messages } = await this.#request('message.history', { room, before, limit: 50 });
      for (const message of messages) this.#merge(message);
    } catch (error) {
      if (!(error instanceof Disconnected || error instanceof Refused)) throw error;
    }
  }

  #isOwnLive(message: Message): boolean {
    return message.sender === this.#options.user && message.kind === 'user' && message.deletedAt === null;
  }

  #pickMessage(room: string, fits: (message: Message) => boolean): Message | undefined {
    const candidates = [...(this.#views.get(room)?.values() ?? [])].filter(fits);
    return candidates.length ? this.#options.rng.pick(candidates) : undefined;
  }

  #newClientId(kind: string): string {
    return `${this.name}-${kind}${++this.#counter}`;
  }

  // ── mutations: sent until acknowledged or refused for good ───────────────

  async #mutate(mutation: Mutation): Promise<void> {
    this.#unacked.push(mutation);
    await this.#attempt(mutation);
  }

  /** Sends one mutation; false when the socket died (it stays queued for the replay). */
  async #attempt(mutation: Mutation): Promise<boolean> {
    for (let tries = 0; ; tries++) {
      try {
        const result = (await this.#request(mutation.type, mutation.args as RequestArgs<typeof mutation.type>)) as {
          message: Message;
        };
        this.#merge(result.message);
        this.#forget(mutation);
        return true;
      } catch (error) {
        if (error instanceof Disconnected) return false;
        if (!(error instanceof Refused)) throw error;
        if (!error.retryable) {
          this.#forget(mutation);
          return true;
        }
        if (tries >= MAX_RETRYABLE) {
          // Later mutations must not overtake it: start over on a fresh socket, which replays in order.
          this.#link?.cut('refused as retryable too often');
          return false;
        }
        await pause(error.retryAfterMs ?? 200);
      }
    }
  }

  #forget(mutation: Mutation): void {
    const at = this.#unacked.indexOf(mutation);
    if (at >= 0) this.#unacked.splice(at, 1);
  }

  async #replay(): Promise<void> {
    for (const mutation of [...this.#unacked]) {
      if (!this.#link) throw new Disconnected('lost during the replay');
      await this.#attempt(mutation);
    }
  }

  // ── resume ────────────────────────────────────────────────────────────────

  async #resume(): Promise<void> {
    const cursor = (room: string): { room: string; seq: number; rev: number } => ({
      room,
      seq: this.tracker.seq(room),
      rev: this.tracker.contiguous(room),
    });
    let cursors = this.#options.rooms.map(cursor);
    for (let page = 0; cursors.length > 0 && page < MAX_SYNC_PAGES; page++) {
      const { rooms } = await this.#request('sync', { rooms: cursors });
      for (const result of rooms) for (const message of result.messages) this.#merge(message);
      cursors = rooms.filter((r) => r.more).map((r) => cursor(r.room));
    }
  }

  // ── the socket ────────────────────────────────────────────────────────────

  #merge(message: Message): void {
    const view = this.#views.get(message.room);
    if (!view) return;
    const held = view.get(message.id);
    if (!held || message.rev > held.rev) view.set(message.id, message);
  }

  async #request<T extends RequestType>(type: T, args: RequestArgs<T>): Promise<RequestResult<T>> {
    const link = this.#link;
    if (!link) throw new Disconnected('not connected');
    const frame = await this.#roundTrip(link, { type, ...args });
    if (frame.type === 'error') throw new Refused(frame.code, frame.retryable, frame.retryAfterMs);
    if (frame.type !== 'ack') throw new Error(`unexpected answer ${frame.type} to ${type}`);
    return frame.result as RequestResult<T>;
  }

  #roundTrip(link: Link, frame: Record<string, unknown>): Promise<ServerFrame> {
    if (link.dead) return Promise.reject(new Disconnected('socket closed'));
    const id = link.nextId++;
    const { type, ...rest } = frame;
    const text = JSON.stringify({ type, id, ...rest });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // No answer: the socket is as good as dead (a paused node, a lost link).
        link.pending.delete(id);
        reject(new Disconnected(`no answer to ${String(type)} within ${REQUEST_TIMEOUT_MS} ms`));
        link.cut(`no answer to ${String(type)} within ${REQUEST_TIMEOUT_MS} ms`);
      }, REQUEST_TIMEOUT_MS);
      link.pending.set(id, { resolve, reject, timer });
      link.tap.outbound(text);
      link.ws.send(text);
    });
  }

  #open(url: string, node: number): Promise<Link> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const link = new Link(ws, this.tracker.connection(node));
      const timer = setTimeout(() => {
        link.cut('connect timeout');
        reject(new Disconnected('connect timeout'));
      }, CONNECT_TIMEOUT_MS);
      ws.on('error', () => undefined);
      ws.on('message', (data) => this.#receive(link, Buffer.isBuffer(data) ? data.toString('utf8') : String(data)));
      ws.on('close', (code) => {
        clearTimeout(timer);
        link.dead = true;
        link.tap.close(link.cutBecause ?? `closed by the server (${code})`);
        for (const pending of link.pending.values()) {
          clearTimeout(pending.timer);
          pending.reject(new Disconnected('socket closed'));
        }
        link.pending.clear();
        if (this.#link === link) this.#link = null;
        reject(new Disconnected('socket closed before welcome'));
      });
      ws.once('open', () => {
        this.#roundTrip(link, { type: 'auth', v: PROTOCOL_VERSION, token: this.#options.token }).then((frame) => {
          clearTimeout(timer);
          if (frame.type === 'welcome') resolve(link);
          else {
            link.cut('auth refused');
            reject(new Error(`auth refused: ${JSON.stringify(frame)}`));
          }
        }, reject);
      });
    });
  }

  #receive(link: Link, text: string): void {
    if (link.dead) return;
    this.#lastFrameAt = Date.now();
    const frame = expandEvent(JSON.parse(text) as ServerFrame);
    const { rng, cuts, findings } = this.#options;
    if (link.tap.answersMutation(frame) && frame.type === 'ack' && rng.chance(cuts.lostAck)) {
      // The server committed; the client never hears of it and must retry.
      findings.figures.lostAckCuts += 1;
      link.cut('ack swallowed');
      return;
    }
    const { skippedAhead } = link.tap.inbound(frame);
    if (frame.type === 'message' || frame.type === 'message.updated') this.#merge(frame.message);
    const id = 'id' in frame ? frame.id : undefined;
    if ((frame.type === 'ack' || frame.type === 'error' || frame.type === 'welcome') && id !== undefined) {
      const pending = link.pending.get(id);
      if (pending) {
        link.pending.delete(id);
        clearTimeout(pending.timer);
        pending.resolve(frame);
      }
    }
    if (skippedAhead && rng.chance(cuts.skipAhead)) {
      findings.figures.skipCuts += 1;
      link.cut('cut after a skip-ahead');
    }
  }
}
