/** Real HS256 tokens for our server, signed with the secret the harness gives it. */
import { SignJWT } from 'jose';

/** The secret every bench run of our server uses (it never leaves 127.0.0.1). */
export const BENCH_SECRET = 'parley-bench-secret-long-enough-for-hs256-signatures';

/** Signs a one-hour token for `user` (its display name is the id, as the seeded users have). */
export function mintToken(user: string, secret = BENCH_SECRET): Promise<string> {
  return new SignJWT({ name: user })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
}
