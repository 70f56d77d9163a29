/**
 * Token verification (JWT through jose) and, in dev mode, minting. The key is
 * chosen by the token's `alg` family, never by the token alone, so a public
 * key can never be abused as an HMAC secret.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { JWTHeaderParameters } from 'jose';
import type { UserInfo } from '@parley/sdk/protocol';
import type { AuthOptions } from '../options.js';
import { ConfigError } from '../options.js';

const MAX_USER_ID = 128;
const MAX_NAME = 200;
const DEV_TOKEN_TTL = '30d';
const DEV_SECRET_FILE = 'dev-secret';

/** Why a token was refused: `auth_failed` (do not retry it) or `token_expired` (get a new one). */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly code: 'auth_failed' | 'token_expired';

  /** Creates a token failure with its wire code. */
  constructor(code: 'auth_failed' | 'token_expired', message: string) {
    super(message);
    this.code = code;
  }
}

/** A verified token: who it speaks for and when it stops being valid. */
export interface VerifiedToken {
  user: UserInfo;
  /** Epoch milliseconds of `exp`, or null when the token never expires. */
  expiresAt: number | null;
}

/** Verifies tokens; mints them in dev mode. */
export class TokenService {
  readonly #secret: Uint8Array | null;
  readonly #publicKey: KeyObject | null;
  readonly #algorithms: string[];
  readonly #options: AuthOptions;

  /** Use {@link createTokenService}, which also prepares the dev secret. */
  constructor(options: AuthOptions, secret: string | null) {
    this.#options = options;
    this.#secret = secret ? new TextEncoder().encode(secret) : null;
    this.#publicKey = options.publicKey ? createPublicKey(options.publicKey) : null;
    this.#algorithms = [
      ...(this.#secret ? ['HS256', 'HS384', 'HS512'] : []),
      ...(this.#publicKey ? algorithmsFor(this.#publicKey) : []),
    ];
  }

  /** Whether `POST /v1/dev/token` may mint tokens. */
  get dev(): boolean {
    return this.#options.dev === true && this.#secret !== null;
  }

  /** Checks signature, issuer, audience and expiry; throws {@link TokenError}. */
  async verify(token: string): Promise<VerifiedToken> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, (header: JWTHeaderParameters) => this.#keyFor(header), {
        algorithms: this.#algorithms,
        issuer: this.#options.issuer,
        audience: this.#options.audience,
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new TokenError('token_expired', 'the token has expired');
      throw new TokenError('auth_failed', 'the token could not be verified');
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_USER_ID) {
      throw new TokenError('auth_failed', 'the token has no usable sub claim');
    }
    const rawName = payload.name;
    const name = typeof rawName === 'string' && rawName.trim() ? rawName.trim().slice(0, MAX_NAME) : sub;
    return { user: { id: sub, name }, expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null };
  }

  /** Mints an HS256 token for `user` (dev mode only). */
  async mint(user: string, name?: string): Promise<string> {
    if (!this.dev || !this.#secret) throw new ConfigError('tokens are minted in dev mode only');
    const jwt = new SignJWT(name ? { name } : {})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user)
      .setIssuedAt()
      .setExpirationTime(DEV_TOKEN_TTL);
    if (this.#options.issuer) jwt.setIssuer(this.#options.issuer);
    if (this.#options.audience) jwt.setAudience(this.#options.audience);
    return jwt.sign(this.#secret);
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
 * Builds the token service. In dev mode without a secret, a random secret is
 * kept in `<dataDir>/dev-secret` so minted tokens survive a restart.
 */
export async function createTokenService(options: AuthOptions, dataDir: string): Promise<TokenService> {
  let secret = options.secret ?? null;
  if (!secret && options.dev) secret = await loadDevSecret(dataDir);
  return new TokenService(options, secret);
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
