/**
 * How calls and workspaces reach a client: the built ES module loads each
 * from a chunk of its own on first use, and the script build (which cannot
 * split code) leaves both out, so `client.call()` and `client.workspace()`
 * reject with `unsupported_browser` there. Reads the browser bundles of
 * `npm run build`.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { ParleyClient, ParleyError } from '../src/index.js';

const BROWSER_DIST = new URL('../dist/browser/', import.meta.url);
/** Strings only the call code and only the workspace code contain (a request name; the device copy's flag key). */
const CALL_CODE = "'call.transport.create'";
const WORKSPACE_CODE = "'parley:unconfirmed'";

async function bundle(file: string): Promise<string> {
  try {
    return await readFile(new URL(file, BROWSER_DIST), 'utf8');
  } catch (error) {
    throw new Error(`${file} is missing: run \`npm run build\` first`, { cause: error });
  }
}

/** The `Parley` global the script build defines, evaluated in this process. */
async function scriptBuild(): Promise<{ createClient(options: Record<string, unknown>): ParleyClient }> {
  const code = await bundle('parley-sdk.iife.js');
  return new Function(`${code}\nreturn Parley;`)() as { createClient(options: Record<string, unknown>): ParleyClient };
}

/** Matches `'x'` and `"x"`: the minifier picks the quotes. */
function contains(code: string, literal: string): boolean {
  const text = literal.slice(1, -1);
  return code.includes(`'${text}'`) || code.includes(`"${text}"`);
}

describe('feature loading', () => {
  it('the script build has neither calls nor workspaces, and says so', async () => {
    const code = await bundle('parley-sdk.iife.js');
    assert.equal(contains(code, CALL_CODE), false, 'the call code is bundled');
    assert.equal(contains(code, WORKSPACE_CODE), false, 'the workspace code is bundled');
    const client = (await scriptBuild()).createClient({ url: 'http://127.0.0.1:9', token: 'unused', userId: 'ada', offline: 'memory' });
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(client.call('lobby'), (e: ParleyError) => e.code === 'unsupported_browser' && /ES module build/.test(e.message));
      await assert.rejects(client.workspace('lobby'), (e: ParleyError) => e.code === 'unsupported_browser' && /ES module build/.test(e.message));
    }
  });

  it('the ES module build loads calls and workspaces from chunks of their own', async () => {
    const main = await bundle('parley-sdk.js');
    assert.equal(contains(main, CALL_CODE), false, 'the call code is in the main file');
    assert.equal(contains(main, WORKSPACE_CODE), false, 'the workspace code is in the main file');
    const call = /import\("\.\/(chunks\/call-[\w-]+\.js)"\)/.exec(main)?.[1];
    const workspace = /import\("\.\/(chunks\/workspace-[\w-]+\.js)"\)/.exec(main)?.[1];
    assert.ok(call, 'no dynamic import of a call chunk');
    assert.ok(workspace, 'no dynamic import of a workspace chunk');
    assert.ok(contains(await bundle(call), CALL_CODE), 'the call chunk lacks the call code');
    assert.ok(contains(await bundle(workspace), WORKSPACE_CODE), 'the workspace chunk lacks the workspace code');
  });
});
