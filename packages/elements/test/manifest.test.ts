/**
 * The Custom Elements Manifest (`custom-elements.json`, written by
 * `npm run build` from the elements' JSDoc) documents every element of the
 * package: its tag, and a description for each attribute and public property,
 * those it inherits from `ParleyElement` included. Editors and Storybook show
 * these texts to the people who use the elements.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

interface Documented {
  name: string;
  description?: string;
  kind?: string;
  privacy?: string;
  static?: boolean;
}

interface Declaration {
  name: string;
  tagName?: string;
  attributes?: Documented[];
  members?: Documented[];
}

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST = `${PACKAGE}custom-elements.json`;
const TAGS = readdirSync(`${PACKAGE}src/components`, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** The manifest's declaration of each tag. */
function declarations(): Map<string, Declaration> {
  assert.ok(existsSync(MANIFEST), 'custom-elements.json exists (run `npm run build`)');
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { modules: Array<{ declarations?: Declaration[] }> };
  const byTag = new Map<string, Declaration>();
  for (const mod of manifest.modules) for (const d of mod.declarations ?? []) if (d.tagName) byTag.set(d.tagName, d);
  return byTag;
}

describe('custom elements manifest', () => {
  const byTag = declarations();

  for (const tag of TAGS) {
    it(`documents <${tag}>'s attributes and public properties`, () => {
      const element = byTag.get(tag);
      assert.ok(element, `<${tag}> is in the manifest`);
      for (const input of ['server', 'user', 'user-name', 'dev']) {
        assert.ok(element.attributes?.some((a) => a.name === input), `<${tag}> has the ${input} attribute`);
      }
      const undocumented = [
        ...(element.attributes ?? []).filter((a) => !a.description?.trim()).map((a) => `attribute ${a.name}`),
        ...(element.members ?? [])
          .filter((m) => m.kind === 'field' && !m.static && m.privacy !== 'private' && m.privacy !== 'protected')
          .filter((m) => !m.description?.trim())
          .map((m) => `property ${m.name}`),
      ];
      assert.deepEqual(undocumented, [], `<${tag}> (${element.name}) documents everything`);
    });
  }
});
