// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import lit from 'eslint-plugin-lit';
import litA11y from 'eslint-plugin-lit-a11y';
import wc from 'eslint-plugin-wc';
import tseslint from 'typescript-eslint';

/**
 * Layer rules: for each folder of a package's `src/`, the sibling folders it
 * must not import (dependencies point one way; see ARCHITECTURE.md).
 * @param {string} src the package's source folder
 * @param {Record<string, string[]>} forbidden folder → folders it may not import
 * @param {string} why the message shown with a violation
 */
function layers(src, forbidden, why) {
  return Object.entries(forbidden).map(([folder, banned]) => ({
    files: [`${src}/${folder}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: `^(\\.\\./)+(${banned.join('|')})(/|\\.js$)`, message: `${folder}/ may not import ${banned.join(', ')}: ${why}` }] },
      ],
    },
  }));
}

const SDK_FEATURES = ['client', 'chat', 'call', 'workspace'];

// Server: storage ← bus ← quotas ← room logic and handlers (rooms, presence, calls, handlers/) ← admin ← sockets ← the
// chat and workspace sockets, HTTP ← the composition root (server.ts, dispatch.ts, cli.ts).
const SERVER_ROOT = ['server', 'cli', 'dispatch', 'scale-out', 'context'];
const SERVER_SOCKETS = ['sockets', 'connection', 'workspaces', 'http'];
const SERVER_LOGIC = ['rooms', 'presence', 'calls', 'handlers', 'admin'];
const SERVER_ABOVE_STORAGE = ['bus', 'quotas', 'attachments', 'webhooks', ...SERVER_LOGIC, ...SERVER_SOCKETS, ...SERVER_ROOT];

export default defineConfig(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/*.d.ts', 'storybook-static/**', '.parley-data/**', 'coverage/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // Library sources get type-aware rules (floating promises, unsafe any…).
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Each storage backend stands alone: what both use lives in storage/common/.
    files: ['packages/server-adapter/src/storage/**/*.ts'],
    ignores: ['packages/server-adapter/src/storage/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(sqlite|postgres)/',
              message: 'Storage backends stay apart: neither imports the other, and common/ and interfaces/ import neither; move what both need to storage/common/.',
            },
            {
              regex: `^(\\.\\./)+(${SERVER_ABOVE_STORAGE.join('|')})(/|\\.js$)`,
              message: 'storage/ imports nothing above it (the bus, room logic, quotas, handlers, sockets, HTTP, the composition root): they use storage, never the other way round.',
            },
          ],
        },
      ],
    },
  },
  // SDK: protocol → transport → engine → managers → features (chat, call, workspace) → client.
  ...layers(
    'packages/sdk/src',
    {
      protocol: ['transport', 'engine', 'managers', 'offline', 'store', 'events', 'errors', ...SDK_FEATURES],
      store: ['transport', 'engine', 'managers', 'offline', ...SDK_FEATURES],
      transport: ['engine', 'managers', 'offline', 'store', ...SDK_FEATURES],
      engine: ['managers', 'offline', 'store', ...SDK_FEATURES],
      offline: ['engine', 'managers', ...SDK_FEATURES],
      managers: ['engine', ...SDK_FEATURES],
      chat: ['client', 'call', 'workspace'],
      call: ['client', 'chat', 'workspace'],
      workspace: ['client', 'chat', 'call'],
    },
    'dependencies point one way (transport → engine → managers → features → client); pass callbacks down instead',
  ),
  ...layers(
    'packages/server-adapter/src',
    {
      bus: ['quotas', 'attachments', ...SERVER_LOGIC, ...SERVER_SOCKETS, ...SERVER_ROOT],
      quotas: [...SERVER_LOGIC, ...SERVER_SOCKETS, ...SERVER_ROOT],
      // The webhook outbox's sender sees only storage: events are recorded by storage itself.
      webhooks: ['bus', 'quotas', ...SERVER_LOGIC, ...SERVER_SOCKETS, ...SERVER_ROOT],
      rooms: ['admin', ...SERVER_SOCKETS, ...SERVER_ROOT],
      admin: [...SERVER_SOCKETS, ...SERVER_ROOT],
      presence: [...SERVER_SOCKETS, ...SERVER_ROOT],
      calls: [...SERVER_SOCKETS, ...SERVER_ROOT],
      handlers: [...SERVER_SOCKETS, ...SERVER_ROOT],
      sockets: ['presence', 'calls', 'handlers', 'connection', 'workspaces', 'http', ...SERVER_ROOT],
      connection: ['rooms', 'presence', 'calls', 'workspaces', 'http', ...SERVER_ROOT],
      workspaces: ['connection', 'http', 'server', 'cli', 'dispatch', 'scale-out'],
      http: ['connection', 'workspaces', 'server', 'cli', 'dispatch', 'scale-out'],
    },
    'dependencies point one way (storage → bus → quotas → room logic and handlers → sockets → the composition root); handlers get HandlerServices, sockets get SocketServices and dispatch, and services follow sockets through their observer',
  ),
  {
    // Elements use the SDK through its public entries only.
    files: ['packages/elements/src/**/*.ts', 'stories/**/*.ts', 'examples/**/*.js'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@parley/sdk/(?!(protocol|call|workspace)$)|packages/sdk/',
              message: 'Import the SDK through its public entries: @parley/sdk, @parley/sdk/protocol, @parley/sdk/call, @parley/sdk/workspace.',
            },
          ],
        },
      ],
    },
  },
  {
    // Lit templates, custom-element rules and template accessibility for the elements.
    files: ['packages/elements/src/**/*.ts'],
    extends: [lit.configs['flat/recommended'], wc.configs['flat/recommended']],
    plugins: { 'lit-a11y': litA11y },
    rules: litA11y.configs.recommended.rules,
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', 'packages/*/test/**/*.ts', 'examples/**/*.js', 'bench/**/*'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
