// Makes sure the machine has the programs the tests drive: Chromium (browser
// and end-to-end tests), nginx and openssl (the reverse-proxy test). Runs
// before `npm test`. Nothing missing: silent. Missing, as root on Debian:
// installs Debian's packages with apt-get (quietly; running it again does
// nothing). Missing otherwise: says exactly what to install, and fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ChromiumNotFoundError, chromiumPath } from '../test-support/chromium.mjs';
import { NginxNotFoundError, nginxPath } from '../test-support/nginx.mjs';

/** Each program: whether it is here, and the Debian package that brings it. */
const NEEDS = [
  { name: 'Chromium', pkg: 'chromium', present: () => found(chromiumPath, ChromiumNotFoundError) },
  { name: 'nginx', pkg: 'nginx', present: () => found(nginxPath, NginxNotFoundError) },
  { name: 'openssl', pkg: 'openssl', present: () => spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0 },
];

function found(locate, NotFound) {
  try {
    locate();
    return true;
  } catch (error) {
    if (error instanceof NotFound) return false;
    throw error;
  }
}

const missing = () => NEEDS.filter((need) => !need.present());

let absent = missing();
if (absent.length === 0) process.exit(0);

const packages = absent.map((need) => need.pkg);
const canInstall = process.getuid?.() === 0 && existsSync('/etc/debian_version') && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
if (canInstall) {
  console.log(`ensure-test-deps: installing ${packages.join(' ')} (Debian packages) for the tests`);
  const quiet = { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  try {
    execFileSync('apt-get', ['update', '-qq'], quiet);
    execFileSync('apt-get', ['install', '-y', '-qq', ...packages], quiet);
  } catch {
    // apt-get printed why on stderr; the check below names what is still missing.
  }
  absent = missing();
  if (absent.length === 0) process.exit(0);
}

const still = absent.map((need) => need.pkg).join(' ');
console.error(
  `ensure-test-deps: the tests need ${absent.map((need) => need.name).join(', ')}, which this machine lacks.\n` +
    `Install: apt-get install ${still}` +
    (canInstall ? ' (it failed here: see the lines above)' : ' (as root on Debian, `npm test` does it by itself)') +
    '\nElsewhere: a Chromium build (CHROME_PATH), nginx (NGINX_PATH) and openssl on PATH.',
);
process.exit(1);
