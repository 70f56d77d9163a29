/**
 * One checker run against a running deployment (one node or several): SDK
 * and raw clients in a few rooms send, edit, delete, react, read history and
 * lose their sockets while the deployment's fault schedule runs; then, with
 * every fault healed, the run waits for quiet and checks everything each
 * client saw and holds against the server's history (see `verify.ts`).
 */
import { TestClient, signToken } from '../helpers.js';
import { AckLog } from './ack-log.js';
import { Findings } from './findings.js';
import { NodeRouter } from './node-router.js';
import { RawMember } from './raw-member.js';
import { Rng } from './rng.js';
import { SdkMember } from './sdk-member.js';
import { RevIndex } from './rev-index.js';
import { checkHistory, compareView, heldThrough, judgeLiveGaps, patiently, readServer } from './verify.js';
import { act, pause } from './workload.js';
import type { CutRates, Member } from './workload.js';

/** The clients of a run, for the fault schedule to steer. */
export interface Cast {
  readonly sdk: readonly SdkMember[];
  readonly raw: readonly RawMember[];
  readonly members: readonly Member[];
  /** Set once the fault schedule is over. */
  readonly stopped: boolean;
  /** Puts a fault on the run's timeline (shown with a failing run's notes). */
  event(text: string): void;
}

/** What a deployment gives the run. */
export interface CheckerSetup {
  /** `single-node`, `three-node`… (the summary line's label). */
  label: string;
  seed: number;
  /** The nodes' WebSocket URLs. */
  urls: readonly string[];
  /** An HTTP base of the deployment (the SDK derives its endpoints from it). */
  base: string;
  sdkClients: number;
  rawClients: number;
  rooms: number;
  /** Actions per client at most (the schedule's end usually stops them first). */
  maxActions: number;
  /** The workload stops by this time at the latest, faults done or not. */
  workDeadline: number;
  cuts: CutRates;
  /**
   * Runs the fault schedule while the cast works; resolves with its figures
   * for the summary (e.g. `{ kills: 12 }`) once every fault is healed.
   */
  faults(cast: Cast, rng: Rng): Promise<Record<string, number>>;
  /** URL of a node that is up at the end, for the reader. */
  readerUrl(): string;
}

/** The outcome of a run. */
export interface CheckerResult {
  findings: Findings;
  /** The one-line summary (`guarantees single-node seed=… kills=… lost=0 …`). */
  summary: string;
  /** Each kept note, for a failing run's output. */
  notes: string[];
  faults: Record<string, number>;
  messages: number;
  /** Clients that were not connected with an empty outbox after the faults (each also has a note). */
  unsettled: string[];
}

/** How long the clients get, after the faults, to reconnect and drain their outboxes. */
const SETTLE_MS = 45_000;
/** How long the run waits, at most, for every client to catch up. */
const CATCH_UP_MS = 20_000;
/** No frame for this long means nothing more is coming. */
const SILENCE_MS = 5_000;
/** Caught up and no frame for this long: quiet. */
const QUIET_MS = 300;

/** Runs the checker; see the module comment. */
export async function runChecker(setup: CheckerSetup): Promise<CheckerResult> {
  const rng = new Rng(setup.seed);
  const findings = new Findings();
  const acks = new AckLog(findings);
  const revs = new RevIndex();
  const users = {
    owner: 'owner',
    sdk: Array.from({ length: setup.sdkClients }, (_, i) => `sdk${i}`),
    raw: Array.from({ length: setup.rawClients }, (_, i) => `raw${i}`),
  };
  const everyone = [...users.sdk, ...users.raw];

  const owner = await TestClient.connect(setup.urls[0], await signToken(users.owner));
  const rooms: string[] = [];
  try {
    for (let i = 0; i < setup.rooms; i++) {
      const { room } = await owner.request('room.create', { kind: 'group', name: `checker ${i}`, members: everyone });
      rooms.push(room.id);
    }
  } finally {
    owner.terminate();
  }

  const sdk: SdkMember[] = [];
  const raw: RawMember[] = [];
  let index = 0;
  for (const user of users.sdk) {
    sdk.push(
      new SdkMember({
        name: user,
        user,
        token: await signToken(user),
        base: setup.base,
        rooms,
        router: new NodeRouter(setup.urls, index++),
        rng: rng.fork(),
        findings,
        acks,
        revs,
        cuts: setup.cuts,
      }),
    );
  }
  for (const user of users.raw) {
    raw.push(
      new RawMember({
        name: user,
        user,
        token: await signToken(user),
        rooms,
        router: new NodeRouter(setup.urls, index++),
        rng: rng.fork(),
        findings,
        acks,
        revs,
        cuts: setup.cuts,
      }),
    );
  }
  const members: Member[] = [...sdk, ...raw];
  let stopped = false;
  const cast: Cast = {
    sdk,
    raw,
    members,
    get stopped() {
      return stopped;
    },
    event: (text) => findings.event(text),
  };

  try {
    const startBy = Date.now() + 30_000;
    const started = await Promise.all([...sdk.map((m) => m.start(startBy)), ...raw.map((m) => m.connect(startBy))]);
    if (started.some((ok) => !ok)) throw new Error('not every client came online before the run');

    const faultRng = rng.fork();
    const faults = setup.faults(cast, faultRng).finally(() => (stopped = true));
    const gaps = members.map(() => rng.fork());
    const work = members.map((member, i) =>
      act(member, {
        maxActions: setup.maxActions,
        deadline: setup.workDeadline,
        stop: () => stopped,
        gap: () => gaps[i].int(5, 40),
      }),
    );
    const faultFigures = await faults;
    await Promise.all(work);

    // Every fault is healed: let every client reconnect, resend and drain.
    for (const member of members) member.router.allow(null);
    const settleBy = Date.now() + SETTLE_MS;
    const settled = await Promise.all(members.map((m) => m.settle(settleBy)));
    const unsettled = members.filter((_, i) => !settled[i]).map((m) => m.name);
    for (const name of unsettled) findings.note('settle', `${name} was not connected with an empty outbox within ${SETTLE_MS} ms`);

    const reader = await TestClient.connect(setup.readerUrl(), await signToken(users.owner));
    try {
      await waitForQuiet(reader, rooms, members);
      for (const member of sdk) await member.loadAll(Date.now() + CATCH_UP_MS);
      const server = await readServer(reader, rooms);
      const messages = checkHistory(server, acks, findings);
      judgeLiveGaps(findings, revs, server, acks);
      for (const member of members) {
        for (const room of rooms) {
          const state = server.get(room);
          if (state) compareView(`${member.name} (on node ${member.router.index})`, room, member.view(room), state.history, findings);
        }
      }
      for (const member of sdk) {
        for (const [room, cursor] of await member.persistedCursors()) {
          const state = server.get(room);
          if (!state) continue;
          const held = Math.min(heldThrough(member.view(room), state), member.tracker.contiguous(room));
          if (cursor.rev > held) {
            findings.fail('cursorViolations', `${member.name} stored cursor rev ${cursor.rev} for ${room} but holds it only up to rev ${held}`);
          }
        }
      }
      const bad = findings.bad;
      const faultText = Object.entries(faultFigures).map(([k, v]) => `${k}=${v}`).join(' ');
      const f = findings.figures;
      const summary =
        `guarantees ${setup.label} seed=${setup.seed} ${faultText} clients=${members.length} rooms=${rooms.length} ` +
        `messages=${messages} acked=${f.acked} lost=${bad.lost} duplicated=${bad.duplicated} out_of_order=${bad.outOfOrder} ` +
        `live_gaps=${bad.liveGaps} view_mismatches=${bad.viewMismatches} cursor_violations=${bad.cursorViolations} ` +
        `superseded_gaps=${f.supersededGaps} unjudged_gaps=${f.unjudgedGaps} skip_cuts=${f.skipCuts} lost_ack_cuts=${f.lostAckCuts} random_cuts=${f.randomCuts} refused=${f.refused} refused_retries=${f.refusedRetries}`;
      return { findings, summary, notes: findings.report(), faults: faultFigures, messages, unsettled };
    } finally {
      reader.terminate();
    }
  } finally {
    stopped = true;
    await Promise.all(members.map((m) => m.close()));
  }
}

/**
 * Waits until every client holds each room's newest rev and nothing has
 * arrived for a moment, or nothing has arrived for {@link SILENCE_MS} (a
 * client that will never catch up), bounded by {@link CATCH_UP_MS}.
 */
async function waitForQuiet(reader: TestClient, rooms: readonly string[], members: readonly Member[]): Promise<void> {
  const deadline = Date.now() + CATCH_UP_MS;
  while (Date.now() < deadline) {
    const revs = await Promise.all(rooms.map(async (room) => (await patiently(reader, 'room.get', { room })).room.rev));
    const caughtUp = members.every((m) => rooms.every((room, i) => (m.view(room).reduce((max, x) => Math.max(max, x.rev), 0)) >= revs[i]));
    const silentFor = Date.now() - Math.max(...members.map((m) => m.lastFrameAt));
    if ((caughtUp && silentFor >= QUIET_MS) || silentFor >= SILENCE_MS) return;
    await pause(100);
  }
}
