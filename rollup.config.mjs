// Builds the browser bundles. Type declarations and per-module ESM come from
// `tsc -b`; rollup makes the self-contained files a page loads with one tag.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { browserIntegrity } from './scripts/browser-integrity.mjs';
import { rollupEsmDeps } from './scripts/esm-deps.mjs';
import minifyHTML from '@lit-labs/rollup-plugin-minify-html-literals';

/** Gzip budgets in bytes per output file; the build fails above them. */
const BUDGETS = {
  'parley-sdk.js': 20 * 1024,
  'parley-sdk.iife.js': 20 * 1024,
  // The chat-only embed: every chat element, Lit and the SDK in one file.
  'parley.js': 45 * 1024,
};

/**
 * Gzip budgets of lazy features in the script-tag bundle: the dynamic entry
 * chunk named here plus every chunk it loads (statically or with import())
 * that the chat-only `parley.js` does not already hold. Downloaded only when
 * the feature is first used.
 */
const LAZY_BUDGETS = {
  // <workspace-editor>: the element, CodeMirror 6, Yjs, y-codemirror.next, and the SDK's workspace
  // code (its own chunk, which client.workspace() loads from parley.js) counted with them.
  'workspace-editor': { budget: 120 * 1024, with: ['workspace'] },
  // <call-panel>: the element and its view (tiles, controls, pre-join check), without the SDK's call code below.
  'call-panel': 12 * 1024,
  // The SDK's Call with mediasoup-client, loaded by the first client.call() (the panel's first connect).
  call: 60 * 1024,
};

/** Prints raw and gzip size of every emitted chunk and enforces BUDGETS. */
function sizeReport() {
  return {
    name: 'parley-size-report',
    writeBundle(options, bundle) {
      const sizes = new Map();
      for (const [file, chunk] of Object.entries(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const code = readFileSync(`${options.dir ?? options.file.replace(/\/[^/]+$/, '')}/${file}`);
        const gz = gzipSync(code, { level: 9 }).length;
        sizes.set(file, gz);
        const budget = BUDGETS[file];
        const over = budget !== undefined && gz > budget;
        console.log(
          `${file.padEnd(32)} ${(code.length / 1024).toFixed(1).padStart(7)} KB raw ${(gz / 1024).toFixed(1).padStart(6)} KB gzip` +
            (budget ? `  (budget ${(budget / 1024).toFixed(0)} KB)` : ''),
        );
        if (over) this.error(`${file} is ${gz} bytes gzip, over its budget of ${budget}`);
      }
      // Lazy budgets hold for our bundles; an app's build (examples/npm-app) splits chunks its own way.
      if (!Object.values(bundle).some((c) => c.type === 'chunk' && c.isEntry && BUDGETS[c.fileName] !== undefined)) return;
      for (const [name, rule] of Object.entries(LAZY_BUDGETS)) {
        // A number, or { budget, with: [other dynamic entries the feature always loads] }.
        const { budget, with: also = [] } = typeof rule === 'number' ? { budget: rule } : rule;
        const dynamicEntry = (n) => Object.values(bundle).find((c) => c.type === 'chunk' && c.isDynamicEntry && c.name === n);
        const entry = dynamicEntry(name);
        if (!entry) continue;
        const loaded = new Set();
        const visit = (file) => {
          const chunk = bundle[file];
          if (loaded.has(file) || !chunk || chunk.type !== 'chunk' || chunk.isEntry) return;
          loaded.add(file);
          for (const next of [...chunk.imports, ...chunk.dynamicImports]) visit(next);
        };
        visit(entry.fileName);
        for (const other of also) if (dynamicEntry(other)) visit(dynamicEntry(other).fileName);
        const gz = [...loaded].reduce((sum, file) => sum + (sizes.get(file) ?? 0), 0);
        console.log(`${`${name} (lazy, ${loaded.size} chunks)`.padEnd(32)} ${''.padStart(14)} ${(gz / 1024).toFixed(1).padStart(6)} KB gzip  (budget ${(budget / 1024).toFixed(0)} KB)`);
        if (gz > budget) this.error(`${name} loads ${gz} bytes gzip, over its budget of ${budget}`);
      }
    },
  };
}

/**
 * Minifies the markup and CSS inside the elements' Lit `html`/`css` templates
 * (before esbuild, as the plugin requires). The token sheet is left alone: it
 * interpolates one CSS block into another, which LightningCSS cannot parse.
 */
const minifyLitTemplates = () =>
  minifyHTML({
    include: ['packages/elements/src/**/*.ts'],
    exclude: ['packages/elements/src/styles/tokens.styles.ts'],
    failOnError: true,
  });

/**
 * The IIFE SDK build cannot split code, so it swaps the client's feature
 * loaders (the SDK's one seam to calls and workspaces) for ones that refuse:
 * mediasoup-client and Yjs stay out of it, and `client.call()` and
 * `client.workspace()` reject with `unsupported_browser`. The ES module builds
 * load both features from chunks.
 */
function withoutLazyFeatures() {
  const seam = fileURLToPath(new URL('./packages/sdk/src/client/feature-loaders.ts', import.meta.url));
  const standIn = fileURLToPath(new URL('./packages/sdk/src/client/feature-loaders-unavailable.ts', import.meta.url));
  return {
    name: 'parley-without-lazy-features',
    async resolveId(source, importer, options) {
      if (importer === standIn) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved?.id === seam ? standIn : null;
    },
  };
}

const plugins = (tsconfig = 'packages/sdk/tsconfig.json') => [
  // mediasoup-client is CommonJS: bundled as an ES module (only into the lazy call chunk).
  rollupEsmDeps(),
  nodeResolve({ browser: true, exportConditions: ['source'] }),
  esbuild({ target: 'es2022', minify: true, tsconfig }),
  sizeReport(),
  // The published bundles: a clean directory and SRI hashes in integrity.json.
  browserIntegrity(),
];

export default [
  {
    input: 'packages/sdk/src/index.ts',
    // The lazy call chunk imports what it shares with the entry from parley-sdk.js itself.
    preserveEntrySignatures: 'allow-extension',
    output: {
      dir: 'packages/sdk/dist/browser',
      format: 'es',
      entryFileNames: 'parley-sdk.js',
      chunkFileNames: 'chunks/[name]-[hash].js',
      sourcemap: true,
    },
    plugins: plugins(),
  },
  {
    input: 'packages/sdk/src/index.ts',
    output: {
      dir: 'packages/sdk/dist/browser',
      format: 'iife',
      name: 'Parley',
      entryFileNames: 'parley-sdk.iife.js',
      sourcemap: true,
      inlineDynamicImports: true,
    },
    plugins: [withoutLazyFeatures(), ...plugins()],
  },
  {
    // Script-tag bundle of the elements. Code splitting stays on so elements
    // loaded with a dynamic import() on first use land in chunks/ beside it.
    input: 'packages/elements/src/bundle.ts',
    // Lazy chunks import what they share (Lit) from parley.js itself instead of
    // rollup moving it all into a shared chunk behind a facade entry.
    preserveEntrySignatures: 'allow-extension',
    output: {
      dir: 'packages/elements/dist/browser',
      format: 'es',
      entryFileNames: 'parley.js',
      chunkFileNames: 'chunks/[name]-[hash].js',
      sourcemap: true,
    },
    plugins: [minifyLitTemplates(), ...plugins('packages/elements/tsconfig.json')],
  },
  {
    // The npm host example, built the way an app bundler consumes the package:
    // no `source` condition, so @parley/elements resolves to its published dist/.
    input: 'examples/npm-app/src/main.js',
    output: { dir: 'examples/npm-app/dist', format: 'es', entryFileNames: 'app.js', sourcemap: true },
    plugins: [rollupEsmDeps(), nodeResolve({ browser: true }), esbuild({ target: 'es2022', minify: true }), sizeReport()],
  },
];
