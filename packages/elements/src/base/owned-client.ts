import { createClient, fetchDevToken } from '@parley/sdk';
import type { ParleyClient, TokenSource } from '@parley/sdk';

/** How an element that owns its client reaches the server. */
export interface OwnedClientConfig {
  /** The server's base URL (`https://chat.example.com`). */
  server: string;
  /** The user id (required for `dev`; with a token function it lets the client start offline). */
  user: string;
  /** Display name for dev tokens. */
  userName: string;
  /** Mint tokens from the server's dev endpoint (dev servers only). */
  dev: boolean;
  /** A token, or a function returning a fresh one. */
  token: TokenSource | undefined;
}

/**
 * The SDK client an element creates for itself from attributes (`server`,
 * `user`, `dev` / `token`). It is rebuilt when the configuration changes and
 * disposed when the element leaves the DOM.
 */
export class OwnedClient {
  private current: ParleyClient | undefined;
  private key: readonly unknown[] = [];
  /** The last error of `connect()` (a refused token, an unreachable dev endpoint…). */
  error: unknown = null;

  /** @param onChange called when the client or its error changed asynchronously */
  constructor(private readonly onChange: () => void) {}

  /** The owned client, if any. */
  get client(): ParleyClient | undefined {
    return this.current;
  }

  /**
   * Brings the owned client in line with `config`: creates and connects one,
   * replaces it after a change, or disposes it when `config` is null (the
   * element got a client from elsewhere or lacks a server).
   */
  sync(config: OwnedClientConfig | null): ParleyClient | undefined {
    const token = config ? tokenSource(config) : undefined;
    const key = config && token !== undefined ? [config.server, config.user, config.userName, config.dev, config.token] : [];
    if (sameKey(key, this.key)) return this.current;
    this.dispose();
    this.key = key;
    if (!config || token === undefined) return undefined;
    const client = createClient({ url: config.server, token, ...(config.user ? { userId: config.user } : {}) });
    this.current = client;
    client.connect().catch((error: unknown) => {
      if (this.current !== client) return;
      this.error = error;
      this.onChange();
    });
    return client;
  }

  /** Disposes the owned client (queued messages stay stored on the device). */
  dispose(): void {
    const client = this.current;
    this.current = undefined;
    this.key = [];
    this.error = null;
    client?.dispose().catch(() => undefined);
  }
}

function tokenSource(config: OwnedClientConfig): TokenSource | undefined {
  if (!config.server) return undefined;
  if (config.token !== undefined && config.token !== '') return config.token;
  if (config.dev && config.user) {
    const { server, user, userName } = config;
    return () => fetchDevToken(server, user, userName || undefined);
  }
  return undefined;
}

function sameKey(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}
