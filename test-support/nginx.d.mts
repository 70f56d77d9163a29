/** Types of `nginx.mjs`: the machine's nginx for the reverse-proxy test. */

/** Where Debian's `nginx` package puts the binary, looked at after `NGINX_PATH`, before `PATH`. */
export declare const NGINX_CANDIDATES: readonly string[];

/** What to do when nginx is missing: the exact install step. */
export declare const NGINX_INSTALL_HINT: string;

/** Raised when no nginx binary can be found. */
export declare class NginxNotFoundError extends Error {}

/** Path of the nginx binary: `NGINX_PATH` when set, else the first candidate that exists, else `nginx` on `PATH`. */
export declare function nginxPath(): string;
