// CommonJS dependencies of browser code, turned into ES modules with esbuild
// (already a dependency), for the two tools that load our sources without a
// CommonJS step of their own: rollup (browser bundles) and web-test-runner.
// App bundlers (vite, webpack…) handle CommonJS themselves and never see this.
//
// Each entry names the exports the SDK imports: esbuild cannot know a
// CommonJS module's export names, so `export *` would give only `default`.
import { build } from 'esbuild';

/** Package → the named exports our code imports from it. */
export const ESM_DEPS = Object.freeze({
  'mediasoup-client': ['Device'],
});

const PREFIX = '\0parley-esm-dep:';
const URL_PREFIX = '/__parley-esm-deps__/';

/**
 * One ES module re-exporting `names` from the CommonJS package `specifier`,
 * with its dependencies bundled in.
 * @param {string} specifier
 * @param {readonly string[]} names
 * @param {{ minify?: boolean }} [options]
 * @returns {Promise<string>}
 */
export async function esmBundle(specifier, names, options = {}) {
  const result = await build({
    stdin: { contents: `export { ${names.join(', ')} } from ${JSON.stringify(specifier)};`, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    minify: options.minify ?? false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** Rollup plugin: resolves the packages of {@link ESM_DEPS} to their ES module builds. */
export function rollupEsmDeps() {
  return {
    name: 'parley-esm-deps',
    resolveId(id) {
      return Object.hasOwn(ESM_DEPS, id) ? PREFIX + id : null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const specifier = id.slice(PREFIX.length);
      return esmBundle(specifier, ESM_DEPS[specifier]);
    },
  };
}

/** web-test-runner (dev server) plugin: serves the packages of {@link ESM_DEPS} as ES modules. */
export function devServerEsmDeps() {
  /** @type {Map<string, Promise<string>>} */
  const cache = new Map();
  return {
    name: 'parley-esm-deps',
    resolveImport({ source }) {
      return Object.hasOwn(ESM_DEPS, source) ? `${URL_PREFIX}${source}.js` : undefined;
    },
    async serve(context) {
      if (!context.path.startsWith(URL_PREFIX)) return undefined;
      const specifier = context.path.slice(URL_PREFIX.length, -'.js'.length);
      if (!Object.hasOwn(ESM_DEPS, specifier)) return undefined;
      if (!cache.has(specifier)) cache.set(specifier, esmBundle(specifier, ESM_DEPS[specifier]));
      return { body: await cache.get(specifier), type: 'js' };
    },
  };
}
