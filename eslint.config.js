// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import lit from 'eslint-plugin-lit';
import litA11y from 'eslint-plugin-lit-a11y';
import wc from 'eslint-plugin-wc';
import tseslint from 'typescript-eslint';

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
    // Each storage backend stands alone: what both use lives in storage/shared/.
    files: ['packages/server-adapter/src/storage/**/*.ts'],
    ignores: ['packages/server-adapter/src/storage/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(sqlite|postgres)/',
              message: 'Storage backends stay apart: neither imports the other, and shared/ and interfaces/ import neither; move what both need to storage/shared/.',
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
