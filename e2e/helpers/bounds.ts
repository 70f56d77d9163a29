/**
 * How long the end-to-end tests wait for things: bounds for a busy machine (a
 * CI runner sharing its cores with a build runs everything several times
 * slower), never performance goals. A wait that fails names what it waited
 * for; a test's own timeout is well above the sum of its usual waits.
 */

/** A condition the page should reach (see `eventually`). */
export const WAIT_MS = 30_000;

/** One Playwright action on a page: a click, a fill, a navigation or a reload (the bundles load each time). */
export const PAGE_ACTION_MS = 60_000;

/** Starting Chromium. */
export const BROWSER_LAUNCH_MS = 120_000;

/**
 * A client reconnecting after an outage: the SDK's reconnect backoff is
 * jittered and capped at 30 s (the server may also ask for up to 30 s while it
 * drains), then the resume and the page's update follow.
 */
export const AFTER_OUTAGE_MS = 90_000;

/** The server process printing that it listens (Node starting, migrations). */
export const SERVER_START_MS = 60_000;

/** A graceful stop (draining sockets, compacting workspaces) before the process is killed. */
export const SERVER_STOP_MS = 30_000;

/**
 * Packing the three packages and installing them in a fresh directory with
 * npm (from its cache; a native module may have to be compiled when no
 * prebuilt binary fits).
 */
export const PACK_INSTALL_MS = 600_000;
