// @ts-check
// One build per mediasoup version at a time on a machine: `npm install` in
// two checkouts, or a postinstall while a manual --build runs, share the cache.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/**
 * Takes the build lock in `dir` (created atomically with mkdir). A lock whose
 * owner died is taken over.
 * @param {string} dir the version's cache folder
 * @returns {{ release: () => void } | { heldBy: number }}
 */
export function tryLock(dir) {
  const lockDir = join(dir, '.build.lock');
  const pidFile = join(lockDir, 'pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(lockDir);
      writeFileSync(pidFile, String(process.pid));
      return { release: () => rmSync(lockDir, { recursive: true, force: true }) };
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
    }
    let owner;
    try {
      owner = Number(readFileSync(pidFile, 'utf8'));
    } catch {
      // The owner has made the folder but not yet written its pid.
      return { heldBy: 0 };
    }
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) return { heldBy: owner };
    rmSync(lockDir, { recursive: true, force: true });
  }
  return { heldBy: 0 };
}
