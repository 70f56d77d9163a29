/**
 * Bundles: raw and gzip size of every browser entry the build emits, and of
 * the full embed (the script-tag entry plus every lazily loaded chunk),
 * against the budgets the build enforces (read from rollup.config.mjs).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { bytes, verdict } from '../lib/format.js';
import type { Scenario } from '../lib/scenario.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUTPUT_DIRS = ['packages/sdk/dist/browser', 'packages/elements/dist/browser'];
const EMBED = 'packages/elements/dist/browser/parley.js';
const SDK = 'packages/sdk/dist/browser/parley-sdk.js';

/** What each entry is, for the table. */
const ROLES: Record<string, string> = {
  'parley.js': 'chat-only script-tag embed',
  'parley-sdk.js': 'SDK (ES module)',
  'parley-sdk.iife.js': 'SDK (script tag)',
};

/** Reads `const BUDGETS = { 'file': N * 1024, … }` out of the rollup config (bytes per file, gzip). */
async function budgets(): Promise<Map<string, number>> {
  const config = await readFile(join(ROOT, 'rollup.config.mjs'), 'utf8');
  const block = /const BUDGETS\s*=\s*\{([\s\S]*?)\};/.exec(config)?.[1] ?? '';
  const out = new Map<string, number>();
  for (const match of block.matchAll(/['"]([^'"]+)['"]\s*:\s*([\d_]+)\s*(?:\*\s*([\d_]+))?/g)) {
    out.set(match[1], Number(match[2].replaceAll('_', '')) * Number((match[3] ?? '1').replaceAll('_', '')));
  }
  return out;
}

/** Every .js file under `dir`, recursively. */
async function scripts(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.js')).map((e) => join(e.parentPath, e.name));
}

async function sizeOf(files: string[]): Promise<{ raw: number; gzip: number }> {
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const code = await readFile(file);
    raw += code.length;
    gzip += gzipSync(code, { level: 9 }).length;
  }
  return { raw, gzip };
}

export const bundles: Scenario = {
  name: 'bundles',
  title: 'Bundles',
  timeoutMs: () => 300_000,
  async run(ctx) {
    if (!existsSync(join(ROOT, EMBED)) || !existsSync(join(ROOT, SDK))) {
      ctx.log('  no build output: running npm run build');
      await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    }
    const limits = await budgets();
    const rows: string[][] = [];
    const row = (name: string, role: string, size: { raw: number; gzip: number }, budget: number | undefined): void => {
      rows.push([name, role, bytes(size.raw), bytes(size.gzip), budget ? bytes(budget) : '—', budget ? verdict(size.gzip <= budget) : '']);
    };
    for (const dir of OUTPUT_DIRS) {
      for (const file of (await scripts(join(ROOT, dir))).sort()) {
        const name = relative(join(ROOT, dir), file);
        if (name.startsWith('chunks/')) continue;
        row(name, ROLES[name] ?? 'entry', await sizeOf([file]), limits.get(name));
      }
    }
    const chunks = await scripts(join(ROOT, 'packages/elements/dist/browser/chunks'));
    row('parley.js + chunks/*', `full embed (every lazily loaded element, ${chunks.length} chunk${chunks.length === 1 ? '' : 's'})`, await sizeOf([join(ROOT, EMBED), ...chunks]), undefined);
    ctx.table({
      title: 'Bundles (minified; gzip level 9)',
      columns: ['file', 'what', 'raw', 'gzip', 'budget (gzip)', 'verdict'],
      rows,
      notes: ['Budgets are the ones `npm run build` enforces (rollup.config.mjs); the full embed has none yet.'],
    });
  },
};
