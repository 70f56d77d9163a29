/**
 * The packages as a third party gets them: packed with `npm pack` and
 * installed from the tarballs into a fresh directory outside the repository
 * with a plain `npm install`, from npm's cache where it has them.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACK_INSTALL_MS } from './bounds.js';
import { ROOT } from './paths.js';

const run = promisify(execFile);
const PACKAGES = ['packages/sdk', 'packages/elements', 'packages/server-adapter'];

/** Packs the three packages into `dir`; resolves with the tarballs' paths. */
export async function packPackages(dir: string): Promise<string[]> {
  const workspaces = PACKAGES.flatMap((pkg) => ['--workspace', pkg]);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir, ...workspaces], { cwd: ROOT, timeout: PACK_INSTALL_MS });
  return (JSON.parse(stdout) as Array<{ filename: string }>).map((packed) => join(dir, packed.filename));
}

/** The exact version of `name` the repository has installed, so npm finds it in its cache. */
export function repositoryVersion(name: string): string {
  const require = createRequire(`${ROOT}package.json`);
  return (require(`${name}/package.json`) as { version: string }).version;
}

/**
 * better-sqlite3's binary as this checkout built it, offered to the app's
 * install as a local prebuilt binary (prebuild-install's `local_prebuilds`,
 * its documented offline source) so the install does not compile SQLite
 * again. Returns the environment that points the install at it; when the app
 * resolves another version the install simply compiles, as anyone's would.
 */
export async function localBetterSqlitePrebuild(dir: string): Promise<Record<string, string>> {
  const require = createRequire(`${ROOT}packages/server-adapter/package.json`);
  const version = (require('better-sqlite3/package.json') as { version: string }).version;
  const built = join(require.resolve('better-sqlite3/package.json'), '..', 'build', 'Release', 'better_sqlite3.node');
  const stage = join(dir, 'stage');
  await mkdir(join(stage, 'build', 'Release'), { recursive: true });
  await copyFile(built, join(stage, 'build', 'Release', 'better_sqlite3.node'));
  const prebuilds = join(dir, 'prebuilds');
  await mkdir(prebuilds, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await run('tar', ['-czf', join(prebuilds, name), '-C', stage, 'build'], { timeout: PACK_INSTALL_MS });
  return { npm_config_better_sqlite3_local_prebuilds: prebuilds };
}

/** What `npm install` printed. */
export interface InstallOutput {
  stdout: string;
  stderr: string;
}

/**
 * Creates an app (`package.json` only) in a fresh directory under `parent`
 * and runs `npm install <specs>` there. `env` is the whole environment of
 * the install.
 */
export async function installApp(parent: string, specs: readonly string[], env: NodeJS.ProcessEnv): Promise<{ dir: string; output: InstallOutput }> {
  const dir = await mkdtemp(join(parent, 'app-'));
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'host-app', private: true, type: 'module' }, null, 2)}\n`);
  const output = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], {
    cwd: dir,
    env,
    timeout: PACK_INSTALL_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { dir, output };
}
