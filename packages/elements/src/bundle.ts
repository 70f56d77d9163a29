/**
 * Entry of the script-tag bundle (`dist/browser/parley.js`): registers every
 * chat element and exports the public API, so a page needs one
 * `<script type="module">`. It is built with code splitting on: heavy,
 * optional elements (calls, workspaces) belong behind a dynamic `import()`
 * fired on first use, which rollup emits as separate chunks beside this file
 * and keeps out of the chat-only budget.
 */
import './define.js';

export * from './index.js';
export { createClient, ErrorCode, fetchDevToken } from '@parley/sdk';
