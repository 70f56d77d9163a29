import type { StorybookConfig } from '@storybook/web-components-vite';

/** Storybook for @parley/elements: stories in `stories/`, workspace packages read from their TypeScript sources. */
const config: StorybookConfig = {
  stories: ['../stories/**/*.stories.ts'],
  framework: { name: '@storybook/web-components-vite', options: {} },
  core: { disableTelemetry: true },
  viteFinal(vite) {
    vite.resolve ??= {};
    // The `source` export condition maps @parley/* to their src/*.ts (no build needed).
    vite.resolve.conditions = ['source', 'browser', 'module', 'import', 'default'];
    // Standard decorators (`@property() accessor`) must be lowered for today's browsers.
    vite.esbuild = { ...(vite.esbuild || {}), target: 'es2022' };
    vite.optimizeDeps = { ...vite.optimizeDeps, esbuildOptions: { target: 'es2022' } };
    vite.build = { ...vite.build, target: 'es2022', chunkSizeWarningLimit: 2000 };
    return vite;
  },
};

export default config;
