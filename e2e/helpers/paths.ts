/** Where things are in the repository, and the directories the server serves. */
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The reference server's CLI (built by `npx tsc -b`). */
export const CLI = `${ROOT}packages/server-adapter/dist/cli.js`;

/** The script-tag bundle (built by `npm run build`). */
export const ELEMENTS_BUNDLE = `${ROOT}packages/elements/dist/browser/parley.js`;

/** Static directories, in the order the server looks them up (as `npm start` does). */
export const STATIC_ROOTS = [`${ROOT}examples`, `${ROOT}packages/sdk/dist/browser`, `${ROOT}packages/elements/dist/browser`];
