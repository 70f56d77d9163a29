/**
 * Loopback checks for dev mode: a dev server mints tokens for anyone who asks,
 * so it serves only this machine unless told otherwise (`auth.devAllowRemote`).
 */
import { isIP } from 'node:net';

/** Whether a peer or bind address is on the loopback interface (127.0.0.0/8, ::1, or v4-mapped 127.x). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/** Whether `host` (a bind address or host name, without port) names this machine only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare.endsWith('.localhost') || isLoopbackAddress(bare);
}
