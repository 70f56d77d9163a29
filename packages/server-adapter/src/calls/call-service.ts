/**
 * Every active call of this server, by room: joining (capacity, one
 * participant per user), leaving, and the cleanup when a connection closes,
 * a member loses access to the room, or a media worker dies. The media
 * operations themselves are in `call-media.ts`.
 *
 * A call's router lives on this node's workers. With several nodes, the
 * {@link CallDirectory} says which node hosts a room's call: opening one
 * claims it, the claim is refreshed while the call lives and released when
 * it ends; requests from clients on other nodes reach this service through
 * `call-cluster.ts`, with connections that relay events back to them.
 */
import { ErrorCode } from '@parley/sdk/protocol';
import type { CallLeaveReason, CallParticipantInfo, Limits, UserInfo } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Worker } from 'mediasoup/types';
import { RequestError } from '../errors.js';
import type { QuotaOptions } from '../quotas/quota-options.js';
import { LocalCallDirectory, OwnedElsewhere } from './call-directory.js';
import type { CallDirectory } from './call-directory.js';
import type { CallOptions } from './call-options.js';
import { CallRoom } from './call-room.js';
import { MediaCounter } from './media-counter.js';
import type { MediaCounts } from './media-counter.js';
import { Participant } from './participant.js';
import type { CallConnection } from './participant.js';
import { WorkerPool } from './worker-pool.js';

/** What the service tells the nodes that share calls (`call-cluster.ts`) about this node's sockets and members. */
export interface CallForwarding {
  /** A socket of this node closed. */
  connectionClosed(connectionId: string): void;
  /** A user of this node is no longer a member of `room`. */
  membershipLost(room: string, user: string): void;
}

/** The call and participant a request acts on. */
export interface CallMembership {
  call: CallRoom;
  participant: Participant;
}

/** Numbers for `/metrics` and tests: the registry's and mediasoup's own counts. */
export interface CallStats extends MediaCounts {
  calls: number;
  participants: number;
}

/** How many calls and transports one connection and one user may hold on this node (server option `quotas`). */
export type CallQuotas = Pick<QuotaOptions, 'maxCallsPerConnection' | 'maxCallsPerUser' | 'maxCallTransportsPerUser'>;

/** See the module comment. */
export class CallService {
  readonly options: CallOptions;
  readonly #limits: Limits;
  readonly #quotas: CallQuotas;
  /** Transports being created now, per user (counted against the quota until they exist). */
  readonly #creatingTransports = new Map<string, number>();
  readonly #logger: Logger;
  readonly #counter = new MediaCounter();
  readonly #pool: WorkerPool;
  readonly #calls = new Map<string, CallRoom>();
  readonly #opening = new Map<string, Promise<CallRoom>>();
  /** connection id → rooms it is in a call of. */
  readonly #byConnection = new Map<string, Set<string>>();
  readonly directory: CallDirectory;
  /** Set when several nodes share calls: forwards requests for calls other nodes host. */
  cluster: CallForwarding | null = null;
  #refreshTimer: NodeJS.Timeout | null = null;

  /** `directory`: who hosts each call; default this node, always. */
  constructor(
    options: CallOptions,
    limits: Limits,
    quotas: CallQuotas,
    logger: Logger,
    registry: Registry,
    directory: CallDirectory = new LocalCallDirectory(),
  ) {
    this.options = options;
    this.directory = directory;
    this.#limits = limits;
    this.#quotas = quotas;
    this.#logger = logger.child({ component: 'calls' });
    this.#pool = new WorkerPool({
      size: options.workers,
      logger: this.#logger,
      counter: this.#counter,
      onDied: (worker) => this.#workerDied(worker),
    });
    this.#registerMetrics(registry);
  }

  /** Logs at startup whether calls can work here (without starting a worker). */
  start(): void {
    if (!this.options.enabled) this.#logger.info('calls are turned off (calls.enabled: false)');
    else this.#pool.precheck();
    if (this.directory.shared) {
      this.#refreshTimer = setInterval(() => void this.#refreshClaims(), Math.floor(this.options.ownerTtlMs / 3));
      this.#refreshTimer.unref();
    }
  }

  /** Whether this node hosts the room's call now. */
  hosts(room: string): boolean {
    return this.#calls.has(room) || this.#opening.has(room);
  }

  /** Current counts (live mediasoup objects included). */
  stats(): CallStats {
    let participants = 0;
    for (const call of this.#calls.values()) participants += call.participants.size;
    return { calls: this.#calls.size, participants, ...this.#counter.counts };
  }

  /**
   * Adds `user` to the room's call, opening it on the least loaded worker
   * when it is the first. A second join by the same user (another device, or
   * the same client again) replaces the first. The new participant's events
   * are held until {@link Participant.release}.
   */
  async join(room: string, user: UserInfo, connection: CallConnection, canProduce: boolean): Promise<CallMembership & { others: CallParticipantInfo[] }> {
    if (!this.options.enabled) throw new RequestError(ErrorCode.CallUnavailable, 'calls are turned off on this server');
    // Before opening the call, so a refused join leaves no empty call behind.
    this.#checkCallQuotas(room, user.id, connection.id);
    // The call can close between opening and adding (its last participant left): try again, a bounded number of times.
    for (let attempt = 0; attempt < 3; attempt++) {
      const call = await this.#callFor(room);
      if (call.closed) continue;
      const existing = call.participants.get(user.id);
      try {
        // Again: another join of the user may have finished while the call opened.
        this.#checkCallQuotas(room, user.id, connection.id);
      } catch (error) {
        if (call.participants.size === 0) this.#closeCall(call);
        throw error;
      }
      if (!existing && call.participants.size >= this.#limits.maxCallParticipants) {
        throw new RequestError(ErrorCode.CallFull, `the call is full (${this.#limits.maxCallParticipants} participants)`);
      }
      if (existing) this.#remove(call, existing, 'replaced');
      if (call.closed) continue;
      const participant = new Participant(user, connection, canProduce);
      call.participants.set(user.id, participant);
      let rooms = this.#byConnection.get(connection.id);
      if (!rooms) this.#byConnection.set(connection.id, (rooms = new Set()));
      rooms.add(room);
      const others: CallParticipantInfo[] = [];
      for (const other of call.participants.values()) {
        if (other !== participant) others.push({ user: other.user.id, name: other.user.name, producers: other.producerInfos() });
      }
      call.broadcast({ type: 'call.participant.joined', room, participant: { user: user.id, name: user.name, producers: [] } }, user.id);
      this.#logger.info({ room, user: user.id, participants: call.participants.size }, 'joined call');
      return { call, participant, others };
    }
    throw new RequestError(ErrorCode.Unavailable, 'the call was closing; try again', 1_000);
  }

  /** Rooms whose calls the connection takes part in on this node. */
  roomsOf(connectionId: string): ReadonlySet<string> {
    return this.#byConnection.get(connectionId) ?? new Set();
  }

  /**
   * Holds a place for one more transport of `user` while it is created;
   * `conflict` when the user holds `maxCallTransportsPerUser` already. Call
   * the returned function once the creation finished, either way.
   */
  reserveTransport(user: string): () => void {
    let held = this.#creatingTransports.get(user) ?? 0;
    for (const call of this.#calls.values()) held += call.participants.get(user)?.transports.size ?? 0;
    const max = this.#quotas.maxCallTransportsPerUser;
    if (held >= max) throw new RequestError(ErrorCode.Conflict, `you hold ${max} call transports already (the most per user); leave a call first`);
    this.#creatingTransports.set(user, (this.#creatingTransports.get(user) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#creatingTransports.get(user) ?? 1) - 1;
      if (left > 0) this.#creatingTransports.set(user, left);
      else this.#creatingTransports.delete(user);
    };
  }

  /** The caller's place in the room's call; `not_found` when this connection is not in it. */
  membership(room: string, user: string, connectionId: string): CallMembership {
    const call = this.#calls.get(room);
    const participant = call?.participants.get(user);
    if (!call || !participant || participant.connection.id !== connectionId || participant.closed) {
      throw new RequestError(ErrorCode.NotFound, 'you are not in this call (join it first)');
    }
    return { call, participant };
  }

  /** Removes the caller from the room's call (a no-op when not in it). */
  leave(room: string, user: string, connectionId: string, reason: CallLeaveReason = 'left'): void {
    const call = this.#calls.get(room);
    const participant = call?.participants.get(user);
    if (call && participant && participant.connection.id === connectionId) this.#remove(call, participant, reason);
  }

  /** A socket closed: it leaves every call it was in, freeing all its media. */
  connectionClosed(connectionId: string): void {
    this.cluster?.connectionClosed(connectionId);
    const rooms = this.#byConnection.get(connectionId);
    if (!rooms) return;
    for (const room of [...rooms]) {
      const call = this.#calls.get(room);
      for (const participant of call?.participants.values() ?? []) {
        if (participant.connection.id === connectionId && call) this.#remove(call, participant, 'disconnected');
      }
    }
    this.#byConnection.delete(connectionId);
  }

  /** `user` is no longer a member of `room` (left, kicked, banned): they leave its call. */
  membershipLost(room: string, user: string): void {
    this.cluster?.membershipLost(room, user);
    const call = this.#calls.get(room);
    const participant = call?.participants.get(user);
    if (call && participant) this.#remove(call, participant, 'removed');
  }

  /** Ends every call and stops the workers (server shutdown). */
  close(): void {
    if (this.#refreshTimer) clearInterval(this.#refreshTimer);
    // Local sockets are closed by now; participants on other nodes hear that the call is gone.
    for (const call of [...this.#calls.values()]) this.#endWithRejoin(call, 'the server hosting the call is shutting down; join again');
    this.#calls.clear();
    this.#byConnection.clear();
    this.#pool.close();
  }

  // ── internals ─────────────────────────────────────────────────────────────

  /**
   * A join of `room`'s call may not take the connection or the user past
   * their number of calls. Their place in `room`'s own call does not count:
   * joining it again replaces it.
   */
  #checkCallQuotas(room: string, user: string, connectionId: string): void {
    const { maxCallsPerConnection, maxCallsPerUser } = this.#quotas;
    let onConnection = 0;
    for (const other of this.roomsOf(connectionId)) if (other !== room) onConnection++;
    if (onConnection >= maxCallsPerConnection) {
      throw new RequestError(ErrorCode.Conflict, `this connection is in ${onConnection} other call(s) (the most per connection); leave first`);
    }
    let ofUser = 0;
    for (const [other, call] of this.#calls) if (other !== room && call.participants.has(user)) ofUser++;
    if (ofUser >= maxCallsPerUser) {
      throw new RequestError(ErrorCode.Conflict, `you are in ${ofUser} other calls (the most per user); leave one first`);
    }
  }

  async #callFor(room: string): Promise<CallRoom> {
    const existing = this.#calls.get(room);
    if (existing && !existing.closed) return existing;
    let opening = this.#opening.get(room);
    if (!opening) {
      opening = this.#open(room).finally(() => this.#opening.delete(room));
      this.#opening.set(room, opening);
    }
    return opening;
  }

  async #open(room: string): Promise<CallRoom> {
    if (this.directory.shared) await this.#claim(room);
    let call: CallRoom;
    try {
      const worker = await this.#pool.acquire();
      if (!worker) {
        throw new RequestError(ErrorCode.CallUnavailable, this.#pool.unavailable ?? 'calls are unavailable on this server');
      }
      try {
        call = await CallRoom.open(room, worker, { thresholdDb: this.options.speakingThresholdDb, intervalMs: this.options.speakerIntervalMs });
      } catch (error) {
        this.#pool.release(worker);
        throw error;
      }
    } catch (error) {
      this.#release(room, true);
      throw error;
    }
    this.#calls.set(room, call);
    this.#logger.info({ room, worker: call.worker.pid }, 'call started');
    return call;
  }

  #remove(call: CallRoom, participant: Participant, reason: CallLeaveReason): void {
    const user = participant.user.id;
    // The participant itself hears why, unless it asked.
    if (reason === 'replaced' || reason === 'removed') {
      participant.release();
      participant.send({ type: 'call.participant.left', room: call.room, user, reason });
    }
    participant.close();
    participant.connection.left?.(call.room);
    if (call.participants.get(user) === participant) call.participants.delete(user);
    const rooms = this.#byConnection.get(participant.connection.id);
    rooms?.delete(call.room);
    if (rooms?.size === 0) this.#byConnection.delete(participant.connection.id);
    call.forget(user);
    call.broadcast({ type: 'call.participant.left', room: call.room, user, reason });
    this.#logger.info({ room: call.room, user, reason }, 'left call');
    if (call.participants.size === 0) this.#closeCall(call);
  }

  #closeCall(call: CallRoom): void {
    if (this.#calls.get(call.room) === call) this.#calls.delete(call.room);
    call.close();
    this.#pool.release(call.worker);
    this.#release(call.room);
    this.#logger.info({ room: call.room }, 'call ended');
  }

  /** Every call on a dead worker lost its router: tell its participants to join again, and forget it. */
  #workerDied(worker: Worker): void {
    for (const call of [...this.#calls.values()]) {
      if (call.worker === worker) this.#endWithRejoin(call, 'the server lost the call’s media worker; join again');
    }
  }

  /** Ends a call at once: every participant hears `call.rejoin` (joining again opens a new call). */
  #endWithRejoin(call: CallRoom, reason: string): void {
    for (const participant of call.participants.values()) {
      participant.release();
      participant.send({ type: 'call.rejoin', room: call.room, reason });
      participant.connection.left?.(call.room);
      const rooms = this.#byConnection.get(participant.connection.id);
      rooms?.delete(call.room);
      if (rooms?.size === 0) this.#byConnection.delete(participant.connection.id);
    }
    if (this.#calls.get(call.room) === call) this.#calls.delete(call.room);
    call.close();
    this.#pool.release(call.worker);
    this.#release(call.room);
  }

  /** Claims the room's call for this node; another node's claim sends the request there ({@link OwnedElsewhere}). */
  async #claim(room: string): Promise<void> {
    let owner: string;
    try {
      owner = await this.directory.claim(room);
    } catch (error) {
      this.#logger.warn({ err: error, room }, 'could not claim the call in the directory');
      throw new RequestError(ErrorCode.CallUnavailable, 'calls are briefly unavailable (the servers cannot agree who hosts this call); try again', 1_000);
    }
    if (owner !== this.directory.nodeId) throw new OwnedElsewhere(owner);
  }

  /**
   * Gives up the claim on a call that ended, unless a new call of the room is
   * already open or (except for the opening that failed: `failedOpening`) opening.
   */
  #release(room: string, failedOpening = false): void {
    if (!this.directory.shared || this.#calls.has(room) || (!failedOpening && this.#opening.has(room))) return;
    this.directory.release(room).catch((error: unknown) => this.#logger.warn({ err: error, room }, 'could not release the call claim; it expires'));
  }

  /** Keeps this node's claims alive; a call another node took meanwhile (a long Redis outage) ends here with `call.rejoin`. */
  async #refreshClaims(): Promise<void> {
    let lost: string[];
    try {
      lost = await this.directory.refresh([...this.#calls.keys()]);
    } catch (error) {
      this.#logger.warn({ err: error }, 'could not refresh the call claims; retrying');
      return;
    }
    for (const room of lost) {
      const call = this.#calls.get(room);
      if (!call) continue;
      this.#logger.warn({ room }, 'another node hosts this call now; ending it here');
      this.#endWithRejoin(call, 'the call moved to another server; join again');
    }
  }

  #registerMetrics(registry: Registry): void {
    const gauge = (name: string, help: string, read: (stats: CallStats) => number): void => {
      const stats = (): CallStats => this.stats();
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read(stats()));
        },
      });
    };
    gauge('parley_calls_active', 'Calls with at least one participant', (s) => s.calls);
    gauge('parley_call_participants', 'Participants over all calls', (s) => s.participants);
    gauge('parley_call_workers', 'Live mediasoup workers', (s) => s.workers);
    gauge('parley_call_routers', 'Live mediasoup routers (one per call)', (s) => s.routers);
    gauge('parley_call_transports', 'Live WebRTC transports', (s) => s.transports);
    gauge('parley_call_producers', 'Live producers (media sent by participants)', (s) => s.producers);
    gauge('parley_call_consumers', 'Live consumers (media forwarded to participants)', (s) => s.consumers);
    const pool = this.#pool;
    new Gauge({
      name: 'parley_call_worker_calls',
      help: 'Calls per live mediasoup worker, by its process id',
      labelNames: ['pid'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [pid, calls] of pool.loads()) this.set({ pid: String(pid) }, calls);
      },
    });
  }
}
