/**
 * How calls and workspaces reach a client: `client.call()` and
 * `client.workspace()` load the very modules `@parley/sdk/call` and
 * `@parley/sdk/workspace` export; the built ES module loads each from a chunk
 * of its own on first use, and the script build (which cannot split code)
 * leaves both out, so they reject with `unsupported_browser` there. The
 * bundle checks read the browser bundles of `npm run build`.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import * as callEntry from '@parley/sdk/call';
import * as workspaceEntry from '@parley/sdk/workspace';
import type { ParleyClient, ParleyError } from '../src/index.js';
import { nodeClient, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

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
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.dispose());

  it('client.call() and client.workspace() hand out the classes of @parley/sdk/call and @parley/sdk/workspace', async () => {
    const ada = nodeClient(server.url, await server.token('ada'), { workspaceStore: 'memory' });
    try {
      await ada.connect();
      await ada.whenOnline();
      const room = await ada.createRoom({ kind: 'group', name: 'Entries' });
      assert.ok((await ada.call(room.id)) instanceof callEntry.Call);
      const workspace = await ada.workspace(room.id);
      try {
        assert.ok(workspace instanceof workspaceEntry.Workspace);
        assert.ok(workspace.tasks instanceof workspaceEntry.WorkspaceTasks);
      } finally {
        workspace.release();
      }
    } finally {
      await ada.logout();
    }
  });

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
