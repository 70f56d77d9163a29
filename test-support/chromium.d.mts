/** Types of `chromium.mjs`: the machine's Chromium for every browser test. */

/** Where Debian's `chromium` package puts the binary, looked at in this order after `CHROME_PATH`. */
export declare const CHROMIUM_CANDIDATES: readonly string[];

/** Flags for a quiet headless run as root in a container. */
export declare const CHROMIUM_ARGS: readonly string[];

/** Flags for call tests: fake camera and microphone, permission prompts accepted, WebRTC over loopback. */
export declare const CALL_CHROMIUM_ARGS: readonly string[];

/** Raised when no Chromium binary can be found. */
export declare class ChromiumNotFoundError extends Error {}

/** Path of the Chromium binary: `CHROME_PATH` when set, else the first candidate that exists. */
export declare function chromiumPath(): string;
