/**
 * CPU time of one thread of this process, so a job's budget counts the time
 * its engine thread actually ran, not time it waited for a core on a busy
 * machine. Linux keeps it per thread in `/proc/self/task/<tid>/schedstat`
 * (nanoseconds on a CPU, first field); a thread learns its own id from
 * `/proc/thread-self`. Where neither exists the budget falls back to wall time.
 */
import { readFileSync, readlinkSync } from 'node:fs';

/** The calling thread's kernel id, or null where `/proc/thread-self` does not exist. */
export function currentThreadId(): number | null {
  try {
    const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(id) && id > 0 ? id : null;
  } catch {
    return null;
  }
}

/** Milliseconds of CPU the thread `tid` has used so far, or null when that cannot be read. */
export function threadCpuMs(tid: number | null): number | null {
  if (tid === null) return null;
  try {
    const nanos = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return Number.isFinite(nanos) ? nanos / 1e6 : null;
  } catch {
    return null;
  }
}
