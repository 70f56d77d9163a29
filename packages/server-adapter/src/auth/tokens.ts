/**
 * Token verification (JWT through jose) and, in dev mode, minting. The key is
 * chosen by the token's `alg` family, never by the token alone, so a public
 * key can never be abused as an HMAC secret.
 *
 * Dev tokens are signed with a secret of their own (kept in the data
 * directory) and carry the issuer `parley-dev`; only a server in dev mode
 * accepts them, so a dev server never hands out tokens that a production
 * server sharing its configured secret would accept.
 */
import { createPublicKey, hkdfSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import type { JWTHeaderParameters, JWTPayload, JWTVerifyOptions } from 'jose';
import { cleanName } from '@parley/sdk/protocol';
import type { UserInfo } from '@parley/sdk/protocol';
import type { AuthOptions } from '../options.js';
import { ConfigError } from '../options.js';

const MAX_USER_ID = 128;
const MAX_NAME = 200;
const DEV_SECRET_FILE = 'dev-secret';
/** Lifetime of a dev token (s); clients fetch a new one through their token function. */
export const DEV_TOKEN_TTL_SECONDS = 3_600;
/** The `iss` of dev tokens; a server accepts it only in dev mode, verified with the dev secret. */
export const DEV_ISSUER = 'parley-dev';

/** Says whether a user's sessions were ended after a token was issued (see `ParleyServer.revokeSessions`). */
export type RevocationCheck = (user: string) => Promise<number | null>;

/** Why a token was refused: `auth_failed` (do not retry it), `session_revoked` (the host ended the user's sessions) or `token_expired` (get a new one). */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly code: 'auth_failed' | 'session_revoked' | 'token_expired';

  /** Creates a token failure with its wire code. */
  constructor(code: 'auth_failed' | 'session_revoked' | 'token_expired', message: string) {
    super(message);
    this.code = code;
  }
}

/** A verified token: who it speaks for and when it stops being valid. */
export interface VerifiedToken {
  user: UserInfo;
  /** Epoch milliseconds after which the token is no longer accepted (`exp`, or `iat` + the maximum age), or null. */
  expiresAt: number | null;
  /** Epoch milliseconds of `iat`, or null when the token has none. */
  issuedAt: number | null;
}

/** Verifies tokens; mints them in dev mode. */
export class TokenService {
  readonly #secret: Uint8Array | null;
  readonly #devSecret: Uint8Array | null;
  readonly #publicKey: KeyObject | null;
  readonly #algorithms: string[];
  readonly #options: AuthOptions;
  #revokedBefore: RevocationCheck = () => Promise.resolve(null);

  /** Use {@link createTokenService}, which also prepares the dev secret. */
  constructor(options: AuthOptions, devSecret: string | null) {
    this.#options = options;
    const encoder = new TextEncoder();
    this.#secret = options.secret ? encoder.encode(options.secret) : null;
    this.#devSecret = options.dev && devSecret ? encoder.encode(devSecret) : null;
    this.#publicKey = options.publicKey ? createPublicKey(options.publicKey) : null;
    this.#algorithms = [
      ...(this.#secret ? ['HS256', 'HS384', 'HS512'] : []),
      ...(this.#publicKey ? algorithmsFor(this.#publicKey) : []),
    ];
  }

  /** Whether `POST /v1/dev/token` may mint tokens. */
  get dev(): boolean {
    return this.#devSecret !== null;
  }

  /** Installs the lookup of users whose sessions were revoked (the server does, once storage is open). */
  checkRevocationsWith(check: RevocationCheck): void {
    this.#revokedBefore = check;
  }

  /**
   * Checks signature, issuer, audience, expiry (`exp` is required unless
   * `requireExp: false`), the maximum age and revocation; throws {@link TokenError}.
   */
  async verify(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = this.#isDevToken(token)
        ? await jwtVerify(token, this.#devSecret!, { algorithms: ['HS256'], issuer: DEV_ISSUER, requiredClaims: ['exp'] })
        : await jwtVerify(token, (header: JWTHeaderParameters) => this.#keyFor(header), this.#verifyOptions()));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new TokenError('token_expired', 'the token has expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'exp') {
        throw new TokenError('auth_failed', 'the token has no exp claim; tokens must expire');
      }
      throw new TokenError('auth_failed', 'the token could not be verified');
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_USER_ID) {
      throw new TokenError('auth_failed', 'the token has no usable sub claim');
    }
    const issuedAt = typeof payload.iat === 'number' ? payload.iat * 1000 : null;
    const revokedBefore = await this.#revokedBefore(sub);
    if (revokedBefore !== null && revokes(revokedBefore, issuedAt)) {
      throw new TokenError('session_revoked', "the user's sessions were revoked after this token was issued");
    }
    // Display names are cleaned of direction overrides and invisible characters (impersonation), bounded.
    const rawName = typeof payload.name === 'string' ? cleanName(payload.name) : '';
    const name = rawName ? [...rawName].slice(0, MAX_NAME).join('') : sub;
    const maxAge = this.#options.maxTokenAgeSeconds;
    const ends = [
      typeof payload.exp === 'number' ? payload.exp * 1000 : null,
      maxAge !== undefined && issuedAt !== null ? issuedAt + maxAge * 1000 : null,
    ].filter((t): t is number => t !== null);
    return { user: { id: sub, name }, expiresAt: ends.length > 0 ? Math.min(...ends) : null, issuedAt };
  }

  /** Mints a dev token for `user` (dev mode only): signed with the dev secret, issuer `parley-dev`, one hour. */
  async mint(user: string, name?: string): Promise<string> {
    if (!this.#devSecret) throw new ConfigError('tokens are minted in dev mode only');
    return new SignJWT(name ? { name } : {})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user)
      .setIssuer(DEV_ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${DEV_TOKEN_TTL_SECONDS}s`)
      .sign(this.#devSecret);
  }

  /** Whether {@link mintFor} can sign tokens: it needs the HS256 secret (a public key verifies, it cannot sign). */
  get canMint(): boolean {
    return this.#secret !== null;
  }

  /**
   * Mints a client token for `user` with the configured HS256 secret (for the
   * admin API), carrying the configured issuer and audience so this server
   * accepts it. Throws `ConfigError` when no secret is configured.
   */
  async mintFor(user: string, name: string | undefined, ttlSeconds: number): Promise<string> {
    if (!this.#secret) throw new ConfigError('minting tokens needs the HS256 secret (jwtSecret); a public key can only verify');
    const jwt = new SignJWT(name ? { name } : {}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setIssuedAt().setExpirationTime(`${ttlSeconds}s`);
    if (this.#options.issuer) jwt.setIssuer(this.#options.issuer);
    if (this.#options.audience) jwt.setAudience(this.#options.audience);
    return jwt.sign(this.#secret);
  }

  /** In dev mode, a token that says it is a dev token is verified as one (and only with the dev secret). */
  #isDevToken(token: string): boolean {
    if (!this.#devSecret) return false;
    try {
      return decodeJwt(token).iss === DEV_ISSUER;
    } catch {
      return false;
    }
  }

  #verifyOptions(): JWTVerifyOptions {
    const options = this.#options;
    return {
      algorithms: this.#algorithms,
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: options.requireExp === false ? [] : ['exp'],
      maxTokenAge: options.maxTokenAgeSeconds,
    };
  }

  #keyFor(header: JWTHeaderParameters): Uint8Array | KeyObject {
    const alg = header.alg ?? '';
    const key = alg.startsWith('HS') ? this.#secret : this.#publicKey;
    if (!key) throw new TokenError('auth_failed', `no key for ${alg}`);
    return key;
  }
}

/** The signature algorithms a public key can verify. */
function algorithmsFor(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1' || curve === 'P-256') return ['ES256'];
      if (curve === 'secp384r1' || curve === 'P-384') return ['ES384'];
      if (curve === 'secp521r1' || curve === 'P-521') return ['ES512'];
      throw new ConfigError(`unsupported EC curve ${String(curve)}`);
    }
    case 'ed25519':
    case 'ed448':
      return ['EdDSA', 'Ed25519'];
    default:
      throw new ConfigError(`unsupported public key type ${String(key.asymmetricKeyType)}`);
  }
}

/**
 * Whether a revocation at `before` (epoch ms) ends a session whose token was
 * issued at `issuedAt`. `iat` has whole seconds (rounded down), so a token
 * from the same second as the revocation counts as older; one without `iat`
 * always does.
 */
export function revokes(before: number, issuedAt: number | null): boolean {
  return issuedAt === null || issuedAt <= before;
}

/**
 * Builds the token service. The dev secret is never the configured secret:
 * with one configured, it is derived from it (HKDF, its own label), so the
 * dev nodes of one cluster accept each other's dev tokens while a production
 * server with that secret refuses them; without one, a random dev secret is
 * kept in `<dataDir>/dev-secret` (owner-only) so tokens survive a restart.
 */
export async function createTokenService(options: AuthOptions, dataDir: string): Promise<TokenService> {
  if (!options.dev) return new TokenService(options, null);
  const devSecret = options.secret ? derivedDevSecret(options.secret) : await loadDevSecret(dataDir);
  return new TokenService(options, devSecret);
}

/** The dev secret of a server whose configured secret is `secret`. */
function derivedDevSecret(secret: string): string {
  return Buffer.from(hkdfSync('sha256', secret, 'parley', 'parley dev tokens v1', 32)).toString('base64url');
}


async function loadDevSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, DEV_SECRET_FILE);
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch {
    // Not there yet: make one below.
  }
  const secret = randomBytes(32).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}
