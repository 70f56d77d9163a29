// @ts-check
// The tools and Debian libraries the offline worker build needs, and which are missing.
import { spawnSync } from 'node:child_process';

/** Every Debian package the build needs (also installed by .ci/run). */
export const debianPackages = [
  'meson',
  'ninja-build',
  'pkg-config',
  'g++',
  'libssl-dev',
  'libuv1-dev',
  'libsrtp2-dev',
  'libusrsctp-dev',
  'libabsl-dev',
  'libflatbuffers-dev',
  'flatbuffers-compiler',
];

/** Commands on PATH, and the Debian package that brings each. */
const commands = [
  ['meson', 'meson'],
  ['ninja', 'ninja-build'],
  ['pkg-config', 'pkg-config'],
  ['c++', 'g++'],
  ['flatc', 'flatbuffers-compiler'],
];

/** pkg-config modules the subproject shims ask for, and their Debian package. */
const libraries = [
  ['openssl', 'libssl-dev'],
  ['libuv', 'libuv1-dev'],
  ['libsrtp2', 'libsrtp2-dev'],
  ['usrsctp', 'libusrsctp-dev'],
  ['absl_flat_hash_map', 'libabsl-dev'],
  ['flatbuffers', 'libflatbuffers-dev'],
];

/** @param {string} name */
function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** @param {string} module */
function hasLibrary(module) {
  return spawnSync('pkg-config', ['--exists', module], { stdio: 'ignore' }).status === 0;
}

/**
 * The Debian packages whose tools or libraries are missing (empty when the
 * build can run).
 * @returns {string[]}
 */
export function missingBuildPackages() {
  const missing = new Set();
  for (const [name, pkg] of commands) if (!hasCommand(name)) missing.add(pkg);
  const canAskPkgConfig = hasCommand('pkg-config');
  for (const [module, pkg] of libraries) if (!canAskPkgConfig || !hasLibrary(module)) missing.add(pkg);
  return [...missing];
}

/** The one line that tells a person what to install. */
export function installHint() {
  return `apt-get install -y ${debianPackages.join(' ')}`;
}
