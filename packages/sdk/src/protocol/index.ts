/**
 * The Parley wire protocol: frame types, domain objects, error and close codes
 * and limits. Shared by `@parley/sdk` and `@parley/server-adapter`; imports
 * nothing at run time so it is safe everywhere. Schemas for validating client
 * frames live in `./schema.js` (server side).
 */
export * from './codes.js';
export * from './limits.js';
export * from './model.js';
export * from './frames.js';
export * from './message-wire.js';
export * from './calls.js';
export * from './workspace.js';
export * from './text.js';
