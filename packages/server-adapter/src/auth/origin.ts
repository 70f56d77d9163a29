/** The Origin allow-list shared by the WebSocket upgrades and the HTTP routes. */
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from './loopback.js';
import type { ProxyTrust } from './proxy-trust.js';

/** Which browser origins may talk to the server. */
export interface OriginPolicy {
  /** The allow-list; `'*'` allows all; null means same-host only. */
  allowed: readonly string[] | null;
  /**
   * With no allow-list, accept a same-host page only when that host is a
   * loopback name (dev mode): a page on an attacker's domain that resolves to
   * 127.0.0.1 (DNS rebinding) carries the attacker's host in both `Origin`
   * and `Host`, so "same host" alone would let it in.
   */
  loopbackHostsOnly: boolean;
  /** Where the host (and scheme) the browser asked for come from: `Host`, or a trusted proxy's `X-Forwarded-*`. */
  proxy: ProxyTrust;
}

/**
 * Whether a request's Origin may talk to us. Without an Origin header (Node
 * clients, curl) the answer is yes; with no allow-list, only origins whose
 * host equals the request's host pass (its Host header, or a trusted proxy's
 * `X-Forwarded-Host`, and the scheme too when that proxy sent
 * `X-Forwarded-Proto`; under `loopbackHostsOnly`, only loopback hosts);
 * `'*'` in the list allows all.
 */
export function isOriginAllowed(req: IncomingMessage, policy: OriginPolicy): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const allowed = policy.allowed;
  if (allowed === null) {
    try {
      const url = new URL(origin);
      if (url.host !== policy.proxy.host(req)) return false;
      const protocol = policy.proxy.forwardedProtocol(req);
      if (protocol !== null && url.protocol !== `${protocol}:`) return false;
      return !policy.loopbackHostsOnly || isLoopbackHost(url.hostname);
    } catch {
      return false;
    }
  }
  return allowed.includes('*') || allowed.includes(origin);
}
