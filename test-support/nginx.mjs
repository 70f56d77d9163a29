// The machine's nginx for the reverse-proxy test: where to find it. Plain
// JavaScript so scripts/ensure-test-deps.mjs can import it; types in
// nginx.d.mts. No test downloads a server.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where Debian's `nginx` package puts the binary, looked at after `NGINX_PATH`, before `PATH`. */
export const NGINX_CANDIDATES = Object.freeze(['/usr/sbin/nginx']);

/** What to do when nginx is missing: the exact install step. */
export const NGINX_INSTALL_HINT =
  "install nginx: apt-get install nginx (Debian's package; `npm test` installs it by itself when run as root), or set NGINX_PATH";

/** Raised when no nginx binary can be found. */
export class NginxNotFoundError extends Error {
  name = 'NginxNotFoundError';
}

/**
 * Path of the nginx binary: `NGINX_PATH` when set, else the first of
 * {@link NGINX_CANDIDATES} that exists, else `nginx` on `PATH`.
 * @returns {string}
 * @throws {NginxNotFoundError} when there is none
 */
export function nginxPath() {
  if (process.env.NGINX_PATH) {
    if (existsSync(process.env.NGINX_PATH)) return process.env.NGINX_PATH;
    throw new NginxNotFoundError(`NGINX_PATH names ${process.env.NGINX_PATH}, which does not exist: ${NGINX_INSTALL_HINT}`);
  }
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'nginx'));
  const path = [...NGINX_CANDIDATES, ...onPath].find((candidate) => existsSync(candidate));
  if (!path) throw new NginxNotFoundError(`no nginx found: ${NGINX_INSTALL_HINT}`);
  return path;
}
