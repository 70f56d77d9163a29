/**
 * What a checker run found: the bad counts it asserts are zero, figures for
 * the summary line, and the first few notes of each kind for a diagnosis.
 */

/** Counts that must end at zero. */
export interface BadCounts {
  /** Acknowledged mutations missing from the server's history. */
  lost: number;
  /** A send stored twice, an edit applied twice, a message twice in a view, or a retry answered with another message. */
  duplicated: number;
  /** Live events of a room on one connection with a rev at or below one already received there. */
  outOfOrder: number;
  /** Revs a connection never received live although a later rev of the room came on it (and no newer state of their message). */
  liveGaps: number;
  /** (client, room) pairs whose view differs from the server's history at the end. */
  viewMismatches: number;
  /** Resumes (or persisted cursors) beyond what the client held contiguously. */
  cursorViolations: number;
}

/** Figures of the run (not failures). */
export interface RunFigures {
  /** Sockets cut right after a live event whose rev skipped ahead of what the client held. */
  skipCuts: number;
  /** Sockets cut instead of delivering a mutation's ack (the server committed, the client never heard). */
  lostAckCuts: number;
  /** Revs left out of a live stream because a newer state of their message came instead (allowed). */
  supersededGaps: number;
  /** Revs left out of a live stream that ended before a newer state of their message could come (not judged). */
  unjudgedGaps: number;
  /** Sockets cut at random moments. */
  randomCuts: number;
  /** Mutations the server refused for good (e.g. a reaction to a message deleted meanwhile). */
  refused: number;
  /** Refusals of a mutation that had been sent before without an answer: it may have been applied. */
  refusedRetries: number;
  /** Mutations acknowledged. */
  acked: number;
}

/** Notes kept per kind, so one noisy failure does not hide the others. */
const NOTES_PER_KIND = 12;
/** Timeline entries kept. */
const MAX_TIMELINE = 200;
/** Gap candidates kept for judging. */
const MAX_GAPS = 5_000;

/**
 * Revs a connection's live stream of a room left out between two it
 * carried. Allowed only where the change was superseded and the stream got
 * (or could still have got, had it lasted) its message in a newer state:
 * see `judgeLiveGaps`.
 */
export interface GapCandidate {
  client: string;
  room: string;
  revs: number[];
  /** The newest rev the stream carried. */
  through: number;
  /** The newest rev of each message the stream carried. */
  delivered: ReadonlyMap<string, number>;
  /** Which node, and when the connection lived, for notes. */
  where: string;
}

/** Counters and notes of one run. */
export class Findings {
  readonly bad: BadCounts = { lost: 0, duplicated: 0, outOfOrder: 0, liveGaps: 0, viewMismatches: 0, cursorViolations: 0 };
  readonly figures: RunFigures = { skipCuts: 0, lostAckCuts: 0, supersededGaps: 0, unjudgedGaps: 0, randomCuts: 0, refused: 0, refusedRetries: 0, acked: 0 };
  /** Revs that live streams left out, judged at the end (see {@link GapCandidate}). */
  readonly gaps: GapCandidate[] = [];
  readonly #notes = new Map<string, string[]>();
  readonly #timeline: string[] = [];
  readonly #start = Date.now();
  readonly #dropped = new Map<string, number>();

  /** Counts `n` of a bad kind and keeps `note` (the first few per kind). */
  fail(kind: keyof BadCounts, note: string, n = 1): void {
    this.bad[kind] += n;
    this.note(kind, note);
  }

  /** Seconds since the run started, for notes: `+12.3s`. */
  clock(): string {
    return `+${((Date.now() - this.#start) / 1000).toFixed(1)}s`;
  }

  /** Adds a fault (or other moment) to the run's timeline. */
  event(text: string): void {
    if (this.#timeline.length < MAX_TIMELINE) this.#timeline.push(`${this.clock()} ${text}`);
  }

  /** Keeps revs a live stream left out, to be judged once the history is known. */
  gap(candidate: GapCandidate): void {
    if (this.gaps.length < MAX_GAPS) this.gaps.push(candidate);
    else this.fail('liveGaps', `${candidate.client} ${candidate.room}: too many gaps to judge; counted as missing`, candidate.revs.length);
  }

  /** Keeps an informational note under `kind`. */
  note(kind: string, text: string): void {
    const list = this.#notes.get(kind) ?? [];
    if (list.length < NOTES_PER_KIND) list.push(text);
    else this.#dropped.set(kind, (this.#dropped.get(kind) ?? 0) + 1);
    this.#notes.set(kind, list);
  }

  /** Every kept note, grouped by kind, then the timeline, for the test's output. */
  report(): string[] {
    const lines: string[] = [];
    for (const entry of this.#timeline) lines.push(`  [timeline] ${entry}`);
    for (const [kind, list] of this.#notes) {
      for (const text of list) lines.push(`  [${kind}] ${text}`);
      const dropped = this.#dropped.get(kind);
      if (dropped) lines.push(`  [${kind}] … and ${dropped} more`);
    }
    return lines;
  }

  /** Whether every bad count is zero. */
  get clean(): boolean {
    return Object.values(this.bad).every((n) => n === 0);
  }
}
