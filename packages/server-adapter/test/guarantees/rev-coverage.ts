/**
 * Which revs of one room a client holds, as disjoint closed intervals. A
 * live event or an ack covers its own rev; a `sync` answer covers everything
 * from the cursor it was asked with up to the rev it ends at. `contiguous()`
 * is the position a correct client may resume from: everything up to it is
 * held (or superseded by a change the resume will bring).
 */
export class RevCoverage {
  /** Sorted, disjoint, non-adjacent intervals; the first always starts at 0. */
  readonly #intervals: Array<[number, number]>;

  /** Starts holding revs `0..through` (0: nothing yet). */
  constructor(through = 0) {
    this.#intervals = [[0, Math.max(0, through)]];
  }

  /** The highest rev up to which every rev is held. */
  contiguous(): number {
    return this.#intervals[0][1];
  }

  /** Marks `from..to` (inclusive) as held. */
  add(from: number, to: number): void {
    if (to < from) return;
    const merged: Array<[number, number]> = [];
    let start = from;
    let end = to;
    for (const [a, b] of this.#intervals) {
      if (b < start - 1 || a > end + 1) merged.push([a, b]);
      else {
        start = Math.min(start, a);
        end = Math.max(end, b);
      }
    }
    merged.push([start, end]);
    merged.sort((x, y) => x[0] - y[0]);
    this.#intervals.splice(0, this.#intervals.length, ...merged);
  }
}
