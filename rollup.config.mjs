// Builds the browser bundles. Type declarations and per-module ESM come from
// `tsc -b`; rollup makes the self-contained files a page loads with one tag.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import minifyHTML from '@lit-labs/rollup-plugin-minify-html-literals';

/** Gzip budgets in bytes per output file; the build fails above them. */
const BUDGETS = {
  'parley-sdk.js': 20 * 1024,
  'parley-sdk.iife.js': 20 * 1024,
  // The chat-only embed: every chat element, Lit and the SDK in one file.
  'parley.js': 45 * 1024,
};

/** Prints raw and gzip size of every emitted chunk and enforces BUDGETS. */
function sizeReport() {
  return {
    name: 'parley-size-report',
    writeBundle(options, bundle) {
      for (const [file, chunk] of Object.entries(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const code = readFileSync(`${options.dir ?? options.file.replace(/\/[^/]+$/, '')}/${file}`);
        const gz = gzipSync(code, { level: 9 }).length;
        const budget = BUDGETS[file];
        const over = budget !== undefined && gz > budget;
        console.log(
          `${file.padEnd(32)} ${(code.length / 1024).toFixed(1).padStart(7)} KB raw ${(gz / 1024).toFixed(1).padStart(6)} KB gzip` +
            (budget ? `  (budget ${(budget / 1024).toFixed(0)} KB)` : ''),
        );
        if (over) this.error(`${file} is ${gz} bytes gzip, over its budget of ${budget}`);
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

const plugins = (tsconfig = 'packages/sdk/tsconfig.json') => [
  nodeResolve({ browser: true, exportConditions: ['source'] }),
  esbuild({ target: 'es2022', minify: true, tsconfig }),
  sizeReport(),
];

export default [
  {
    input: 'packages/sdk/src/index.ts',
    output: { dir: 'packages/sdk/dist/browser', format: 'es', entryFileNames: 'parley-sdk.js', sourcemap: true },
    plugins: plugins(),
  },
  {
    input: 'packages/sdk/src/index.ts',
    output: { dir: 'packages/sdk/dist/browser', format: 'iife', name: 'Parley', entryFileNames: 'parley-sdk.iife.js', sourcemap: true },
    plugins: plugins(),
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
    plugins: [nodeResolve({ browser: true }), esbuild({ target: 'es2022', minify: true }), sizeReport()],
  },
];
