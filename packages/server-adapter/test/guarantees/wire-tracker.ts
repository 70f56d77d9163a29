/**
 * Watches one client's frames on the wire, across its connections, and
 * checks the ordering and resume guarantees there:
 *
 * - live `message`/`message.updated` events of a room on one connection must
 *   come in strictly increasing rev (`outOfOrder` counts the others); revs a
 *   stream left out between two it carried are kept as gap candidates and
 *   judged at the end (allowed only when superseded: see `GapCandidate`);
 * - every `sync` the client sends must start at or below the rev up to which
 *   it holds everything ({@link RevCoverage}); `cursorViolations` counts the
 *   resumes that start beyond it.
 *
 * It also records every acknowledged mutation in the {@link AckLog}, and
 * tells the caller when a live event skipped ahead of what the client held,
 * so the caller can cut the socket at exactly that moment.
 */
import type { Message, RoomCursor, RoomInfo, RoomSync, ServerFrame } from '@parley/sdk/protocol';
import { MUTATION_TYPES } from './ack-log.js';
import type { AckLog, MutationArgs } from './ack-log.js';
import type { Findings } from './findings.js';
import { RevCoverage } from './rev-coverage.js';
import type { RevIndex } from './rev-index.js';

/** A request this connection sent, kept until its answer. */
interface SentRequest {
  type: string;
  frame: Record<string, unknown>;
}

/** Live revs one connection received for one room. */
interface LiveStream {
  min: number;
  max: number;
  revs: Set<number>;
  /** The newest rev of each message received. */
  delivered: Map<string, number>;
}

/** Settings of a {@link WireTracker}. */
export interface WireTrackerOptions {
  /** The client's name in notes. */
  name: string;
  user: string;
  findings: Findings;
  acks: AckLog;
  /** Shared by every client of the run. */
  revs: RevIndex;
  /**
   * Rooms the client holds from their beginning (a raw client resumes them
   * from rev 0). Other rooms start where the client first hears of them, as
   * the SDK's do ("start from now, load history on demand").
   */
  roomsFromStart?: readonly string[];
}

/** See the module comment. */
export class WireTracker {
  readonly name: string;
  readonly #options: WireTrackerOptions;
  readonly #coverage = new Map<string, RevCoverage>();
  readonly #seq = new Map<string, number>();
  /** clientId → when it was first sent, and on which connection. */
  readonly #firstSent = new Map<string, { order: number; connection: number }>();
  /** Holes already reported as resumed past, so each counts once. */
  readonly #reported = new Set<string>();
  #sent = 0;
  #connections = 0;
  #current: ConnectionTap | null = null;

  constructor(options: WireTrackerOptions) {
    this.name = options.name;
    this.#options = options;
    for (const room of options.roomsFromStart ?? []) this.#coverage.set(room, new RevCoverage(0));
  }

  /** Starts tracking a new connection to `node` (ending the previous one). */
  connection(node: number): ConnectionTap {
    this.#current?.close('replaced');
    this.#current = new ConnectionTap(this, ++this.#connections, node);
    return this.#current;
  }

  /** The rev up to which the client holds everything in `room` (0 when unknown). */
  contiguous(room: string): number {
    return this.#coverage.get(room)?.contiguous() ?? 0;
  }

  /** Rooms the client knows. */
  rooms(): string[] {
    return [...this.#coverage.keys()];
  }

  /** The newest seq held along with {@link WireTracker.contiguous} (for a resume's `seq`). */
  seq(room: string): number {
    return this.#seq.get(room) ?? 0;
  }

  /** @internal The coverage of `room`; `firstSight` creates it as the SDK does when it first hears of a room. */
  coverage(room: string, firstSight?: number): RevCoverage | undefined {
    let coverage = this.#coverage.get(room);
    if (!coverage && firstSight !== undefined) this.#coverage.set(room, (coverage = new RevCoverage(firstSight)));
    return coverage;
  }

  /** @internal Notes the newest seq held contiguously. */
  heldSeq(room: string, seq: number): void {
    this.#seq.set(room, Math.max(this.#seq.get(room) ?? 0, seq));
  }

  /** @internal Notes that `clientId` is sent on `connection`; returns when it was first sent. */
  sent(clientId: string, connection: number): number {
    let first = this.#firstSent.get(clientId);
    if (!first) this.#firstSent.set(clientId, (first = { order: ++this.#sent, connection }));
    return first.order;
  }

  /** @internal Whether `clientId` was first sent on another connection than `connection`. */
  sentBefore(clientId: string, connection: number): boolean {
    const first = this.#firstSent.get(clientId);
    return first !== undefined && first.connection !== connection;
  }

  /** @internal Counts a resume beyond the contiguous position, once per hole (later resumes past it repeat the same fault). */
  cursorViolation(room: string, rev: number, contiguous: number): void {
    const key = `${room}@${contiguous}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#options.findings.fail(
      'cursorViolations',
      `${this.name} resumed ${room} from rev ${rev} but held everything only up to rev ${contiguous}`,
    );
  }

  /** @internal Its settings, for its connections' taps. */
  get options(): WireTrackerOptions {
    return this.#options;
  }
}

/** What the caller should know about one inbound frame. */
export interface InboundInfo {
  /** A live event whose rev is beyond the next one the client needed (not during a resume of that room). */
  skippedAhead: boolean;
}

/** One connection's view of the wire; see {@link WireTracker}. */
export class ConnectionTap {
  readonly #tracker: WireTracker;
  /** This connection's number within the tracker. */
  readonly #serial: number;
  /** Its node and when it opened, for notes. */
  readonly #where: string;
  readonly #node: number;
  readonly #requests = new Map<number, SentRequest>();
  readonly #live = new Map<string, LiveStream>();
  /** Rooms with a `sync` in flight on this connection. */
  readonly #syncing = new Set<string>();
  #closed = false;

  constructor(tracker: WireTracker, serial: number, node: number) {
    this.#tracker = tracker;
    this.#serial = serial;
    this.#node = node;
    this.#where = `node ${node}, connection ${serial} from ${tracker.options.findings.clock()}`;
    // Until its resume answers, a known room's live events may run ahead of what the client holds.
    for (const room of tracker.rooms()) this.#syncing.add(room);
  }

  /** A frame the client sends. */
  outbound(text: string): void {
    if (this.#closed) return;
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const { type, id } = frame;
    if (typeof type !== 'string' || typeof id !== 'number' || type === 'auth') return;
    this.#requests.set(id, { type, frame });
    if (type === 'sync') this.#resumeStarts(frame.rooms as RoomCursor[]);
    else if (MUTATION_TYPES[type]) this.#tracker.sent(String(frame.clientId), this.#serial);
  }

  /** Whether `frame` answers one of the client's mutations (a candidate for a lost ack). */
  answersMutation(frame: ServerFrame): boolean {
    if (frame.type !== 'ack' && frame.type !== 'error') return false;
    const request = frame.id === undefined ? undefined : this.#requests.get(frame.id);
    return request !== undefined && MUTATION_TYPES[request.type] !== undefined;
  }

  /** A frame the client receives (and processes). */
  inbound(frame: ServerFrame): InboundInfo {
    if (this.#closed) return { skippedAhead: false };
    switch (frame.type) {
      case 'ack':
      case 'error': {
        const request = frame.id === undefined ? undefined : this.#requests.get(frame.id);
        if (!request || frame.id === undefined) return { skippedAhead: false };
        this.#requests.delete(frame.id);
        if (frame.type === 'ack') this.#acked(request, frame.result);
        else this.#refused(request, frame.code);
        return { skippedAhead: false };
      }
      case 'message':
      case 'message.updated':
        return { skippedAhead: this.#liveEvent(frame.type, frame.message) };
      case 'room.added':
      case 'room.updated':
        this.#tracker.coverage(frame.room.id, frame.room.rev);
        return { skippedAhead: false };
      default:
        return { skippedAhead: false };
    }
  }

  /** The connection ended (`how`: who closed it, for notes): keeps the revs its live streams left out. */
  close(how: string): void {
    if (this.#closed) return;
    this.#closed = true;
    const { findings } = this.#tracker.options;
    for (const [room, stream] of this.#live) {
      const missing: number[] = [];
      for (let rev = stream.min + 1; rev < stream.max; rev++) if (!stream.revs.has(rev)) missing.push(rev);
      if (missing.length === 0) continue;
      const where = `${this.#where} to ${findings.clock()} (${how}), live ${stream.min}..${stream.max}`;
      findings.gap({ client: this.#tracker.name, room, revs: missing, through: stream.max, delivered: stream.delivered, where });
    }
  }

  #resumeStarts(cursors: RoomCursor[]): void {
    for (const cursor of cursors) {
      this.#syncing.add(cursor.room);
      const coverage = this.#tracker.coverage(cursor.room);
      const held = coverage?.contiguous() ?? 0;
      if (cursor.rev > held) this.#tracker.cursorViolation(cursor.room, cursor.rev, held);
    }
  }

  #acked(request: SentRequest, result: unknown): void {
    const kind = MUTATION_TYPES[request.type];
    if (kind) {
      const { message } = result as { message: Message };
      this.#tracker.options.revs.saw(message);
      this.#tracker.coverage(message.room)?.add(message.rev, message.rev);
      const args = request.frame as unknown as MutationArgs;
      const { user, acks } = this.#tracker.options;
      const order = this.#tracker.sent(args.clientId, this.#serial);
      const where = `node ${this.#node} at ${this.#tracker.options.findings.clock()}`;
      acks.record({ user, client: this.#tracker.name, kind, args, message, order, where });
      return;
    }
    switch (request.type) {
      case 'sync':
        this.#synced(request.frame.rooms as RoomCursor[], (result as { rooms: RoomSync[] }).rooms);
        return;
      case 'rooms.list':
        for (const info of (result as { rooms: RoomInfo[] }).rooms) this.#tracker.coverage(info.id, info.rev);
        return;
      case 'room.get':
      case 'room.create':
        this.#tracker.coverage((result as { room: RoomInfo }).room.id, (result as { room: RoomInfo }).room.rev);
        return;
      case 'message.history':
        for (const message of (result as { messages: Message[] }).messages) {
          this.#tracker.options.revs.saw(message);
          this.#tracker.coverage(message.room)?.add(message.rev, message.rev);
        }
        return;
      default:
        return;
    }
  }

  #refused(request: SentRequest, code: string): void {
    if (request.type === 'sync') {
      for (const cursor of request.frame.rooms as RoomCursor[]) this.#syncing.delete(cursor.room);
      return;
    }
    const kind = MUTATION_TYPES[request.type];
    if (!kind || code === 'rate_limited' || code === 'internal' || code === 'unavailable') return;
    const { findings } = this.#tracker.options;
    findings.figures.refused += 1;
    const clientId = String(request.frame.clientId);
    // Sent before on a connection that died unanswered: the server may have applied it.
    if (this.#tracker.sentBefore(clientId, this.#serial)) {
      findings.figures.refusedRetries += 1;
      findings.note('refused-retry', `${this.#tracker.name} ${kind} ${clientId} refused with ${code} on a retry`);
    }
  }

  #synced(cursors: RoomCursor[], rooms: RoomSync[]): void {
    for (const result of rooms) {
      if (result.removed) {
        this.#syncing.delete(result.room);
        continue;
      }
      const coverage = this.#tracker.coverage(result.room, 0);
      if (!coverage) continue;
      const cursor = cursors.find((c) => c.room === result.room);
      const from = cursor?.rev ?? 0;
      for (const message of result.messages) {
        this.#tracker.options.revs.saw(message);
        coverage.add(message.rev, message.rev);
      }
      const last = result.messages[result.messages.length - 1];
      const through = result.more ? (last?.rev ?? from) : result.rev;
      // The answer covers what lies after the cursor; a hole below the cursor stays a hole.
      coverage.add(from + 1, through);
      if (!result.more) {
        this.#syncing.delete(result.room);
        if (coverage.contiguous() >= result.rev) this.#tracker.heldSeq(result.room, result.lastSeq);
      }
    }
  }

  #liveEvent(type: string, message: Message): boolean {
    const { findings, revs } = this.#tracker.options;
    revs.saw(message);
    let stream = this.#live.get(message.room);
    if (!stream) {
      stream = { min: message.rev, max: message.rev, revs: new Set([message.rev]), delivered: new Map() };
      this.#live.set(message.room, stream);
    } else {
      if (message.rev <= stream.max) {
        const what = message.rev === stream.max || stream.revs.has(message.rev) ? 'again' : 'after';
        findings.fail(
          'outOfOrder',
          `${this.#tracker.name} ${message.room}: ${type} rev ${message.rev} (seq ${message.seq}) came ${what === 'again' ? 'a second time' : `after rev ${stream.max}`} (${this.#where})`,
        );
      }
      stream.max = Math.max(stream.max, message.rev);
      stream.min = Math.min(stream.min, message.rev);
      stream.revs.add(message.rev);
    }
    stream.delivered.set(message.id, Math.max(stream.delivered.get(message.id) ?? 0, message.rev));
    // A room first heard of through a live event starts there, as the SDK's does.
    const coverage = this.#tracker.coverage(message.room, message.rev);
    if (!coverage) return false;
    const held = coverage.contiguous();
    const skipped = !this.#syncing.has(message.room) && message.rev > held + 1;
    coverage.add(message.rev, message.rev);
    if (type === 'message' && coverage.contiguous() >= message.rev) this.#tracker.heldSeq(message.room, message.seq);
    return skipped;
  }
}
