/**
 * The package's entries follow its element folders (`src/components/<tag>/`),
 * so a new element cannot be forgotten in one of them:
 *
 * - every folder has its `./<tag>` export, the module that registers the tag;
 * - `sideEffects` names exactly those modules, `define` and the themes: a
 *   bundler trusts the list, so a module missing from it loses its
 *   registration and a module too many stays in every app;
 * - the public index exports each element's class, and an app that imports
 *   one element from it gets none of the others.
 *
 * The last two run on the built output (`dist/`), as a host's bundler sees it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(`${PACKAGE}package.json`, 'utf8')) as {
  exports: Record<string, unknown>;
  sideEffects: string[];
};
const TAGS = readdirSync(`${PACKAGE}src/components`, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** `chat-room` → `ChatRoom`, the class its module exports. */
function className(tag: string): string {
  return tag.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}

describe('package entries', () => {
  it('finds the element folders', () => {
    assert.ok(TAGS.includes('chat-room') && TAGS.length >= 5, `element folders: ${TAGS.join(', ')}`);
  });

  it('exports the registering module of every element folder, and no other element', () => {
    const elementEntries = Object.keys(manifest.exports).filter((key) => !['.', './define'].includes(key) && !key.includes('*') && !key.endsWith('.json'));
    assert.deepEqual(elementEntries.sort(), TAGS.map((tag) => `./${tag}`));
    for (const tag of TAGS) {
      assert.deepEqual(manifest.exports[`./${tag}`], {
        types: `./dist/components/${tag}/${tag}.d.ts`,
        source: `./src/components/${tag}/${tag}.ts`,
        default: `./dist/components/${tag}/${tag}.js`,
      });
    }
  });

  it('lists exactly the modules that register tags as side effects', () => {
    const expected = [
      ...TAGS.flatMap((tag) => [`./dist/components/${tag}/${tag}.js`, `./src/components/${tag}/${tag}.ts`]),
      './dist/define.js',
      './src/define.ts',
      './themes/*.css',
    ].sort();
    assert.deepEqual([...manifest.sideEffects].sort(), expected, `"sideEffects" in package.json should be ${JSON.stringify(expected, null, 2)}`);
  });

  it('exports from the index the very class each tag module registers', async () => {
    const index = (await import('@parley/elements')) as Record<string, unknown>;
    for (const tag of TAGS) {
      const name = className(tag);
      const tagModule = (await import(`@parley/elements/${tag}`)) as Record<string, unknown>;
      assert.equal(typeof tagModule[name], 'function', `@parley/elements/${tag} exports ${name}`);
      assert.equal(index[name], tagModule[name], `@parley/elements exports ${name}`);
    }
  });

  it('leaves the other elements (and CodeMirror, Yjs) out of an app that imports one element from the index', async () => {
    const entry = `${PACKAGE}test/one-element-app.js`;
    const bundle = await rollup({
      input: entry,
      // CommonJS, and only in the SDK's lazy call chunk: not what this test looks at.
      external: ['mediasoup-client'],
      onwarn: () => undefined,
      plugins: [
        { name: 'one-element-app', resolveId: (id) => (id === entry ? id : null), load: (id) => (id === entry ? "export { ChatRoom } from '@parley/elements';" : null) },
        nodeResolve({ browser: true }),
      ],
    });
    const { output } = await bundle.generate({ format: 'es' });
    await bundle.close();
    // What loads with the app: the entry chunk and what it imports statically (the SDK's lazy chunks aside).
    const chunks = new Map(output.flatMap((file) => (file.type === 'chunk' ? [[file.fileName, file] as const] : [])));
    const loaded = new Set<string>();
    const visit = (fileName: string): void => {
      const chunk = chunks.get(fileName);
      if (!chunk || loaded.has(fileName)) return;
      loaded.add(fileName);
      chunk.imports.forEach(visit);
    };
    visit(output[0].fileName);
    const included = [...loaded].flatMap((fileName) =>
      Object.entries(chunks.get(fileName)?.modules ?? {})
        .filter(([, m]) => m.renderedLength > 0)
        .map(([id]) => id),
    );
    assert.ok(included.some((id) => id.endsWith('/components/chat-room/chat-room.component.js')), 'the chat room itself is in');
    const others = TAGS.filter((tag) => tag !== 'chat-room');
    const unwanted = included.filter(
      (id) => others.some((tag) => id.includes(`/components/${tag}/`)) || /[\\/]node_modules[\\/](@codemirror|yjs|y-codemirror\.next)[\\/]/.test(id),
    );
    assert.deepEqual(unwanted, []);
  });
});
