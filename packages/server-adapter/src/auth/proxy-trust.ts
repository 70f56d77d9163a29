/**
 * Which reverse proxies the server believes. Behind a proxy the socket's peer
 * is the proxy, the `Host` header may be the proxy's upstream name (nginx's
 * default), and the browser's own address, host and scheme arrive as
 * `X-Forwarded-For`, `X-Forwarded-Host` and `X-Forwarded-Proto`. Those headers
 * are anyone's to write, so they count only when the peer that sent them is a
 * proxy the operator named; from anyone else they are ignored.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/**
 * `false` (the default): no proxy, the headers are ignored. A number: that
 * many proxies in front of the server, whoever they are (the socket's peer is
 * the first). A list: the proxies' addresses, CIDR ranges (`10.0.0.0/8`) or
 * the names `loopback`, `linklocal` and `uniquelocal` (private ranges).
 */
export type TrustProxySetting = false | number | readonly string[];

/** The verdict of `proxy-addr`'s compiled list for one address and its hop index (0 = the socket's peer). */
type TrustFunction = (address: string, hop: number) => boolean;

/** Reads a request's client address, host and scheme, believing forwarded headers only from trusted proxies. */
export class ProxyTrust {
  readonly #trust: TrustFunction | null;

  /** Throws `TypeError` for a list entry that is not an address, a CIDR range or a known name, or a hop count below 1. */
  constructor(setting: TrustProxySetting) {
    if (setting === false) {
      this.#trust = null;
    } else if (typeof setting === 'number') {
      if (!Number.isInteger(setting) || setting < 1) throw new TypeError(`trustProxy hop count must be a whole number of at least 1, not ${setting}`);
      this.#trust = (_address, hop) => hop < setting;
    } else {
      if (setting.length === 0) throw new TypeError('trustProxy needs at least one address, range or name (or false)');
      // proxy-addr names the bad entry in its own message ("invalid IP address: …").
      this.#trust = proxyAddr.compile([...setting]);
    }
  }

  /** Whether any proxy is trusted. */
  get enabled(): boolean {
    return this.#trust !== null;
  }

  /** The client's address: the socket's peer, or what trusted proxies say came before them. */
  clientAddress(req: IncomingMessage): string | undefined {
    const peer = req.socket.remoteAddress;
    if (this.#trust === null || peer === undefined) return peer;
    return proxyAddr(req, this.#trust);
  }

  /** The host the browser asked for (`host[:port]`): `X-Forwarded-Host` from a trusted proxy, else `Host`. */
  host(req: IncomingMessage): string | undefined {
    const forwarded = this.#peerTrusted(req) ? firstValue(req.headers['x-forwarded-host']) : undefined;
    return forwarded ?? req.headers.host;
  }

  /** The scheme a trusted proxy says the browser used (`X-Forwarded-Proto`), or null when none said so. */
  forwardedProtocol(req: IncomingMessage): 'http' | 'https' | null {
    if (!this.#peerTrusted(req)) return null;
    const proto = firstValue(req.headers['x-forwarded-proto'])?.toLowerCase();
    return proto === 'http' || proto === 'https' ? proto : null;
  }

  /**
   * Whether the request says it was forwarded (`X-Forwarded-For` or
   * `Forwarded`) by a peer that is not a trusted proxy: its real client is
   * unknown, so checks that rely on the peer being the client (dev tokens for
   * this machine only) must refuse it.
   */
  forwardedByUntrustedPeer(req: IncomingMessage): boolean {
    const forwarded = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
    return forwarded && !this.#peerTrusted(req);
  }

  #peerTrusted(req: IncomingMessage): boolean {
    const peer = req.socket.remoteAddress;
    return this.#trust !== null && peer !== undefined && this.#trust(peer, 0);
  }
}

/** The first entry of a comma-separated header (several proxies append theirs), or undefined when empty. */
function firstValue(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  const first = text?.split(',')[0]?.trim();
  return first ? first : undefined;
}
