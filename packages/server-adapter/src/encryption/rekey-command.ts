/** `parley-server --rekey`: key rotation from the command line (keys come from the environment, never from arguments). */
import { EncryptionKey } from './key.js';
import { rekeyDataDir } from './rekey.js';

/**
 * Rotates `dataDir` from `PARLEY_ENCRYPTION_KEY` (unset: the data is not
 * encrypted yet) to `PARLEY_NEW_ENCRYPTION_KEY`; with PostgreSQL storage only
 * the attachment files. Prints what it did; throws on failure.
 */
export async function runRekey(env: NodeJS.ProcessEnv, dataDir: string, postgres: boolean): Promise<void> {
  if (!env.PARLEY_NEW_ENCRYPTION_KEY) {
    throw new Error('--rekey needs the new key in PARLEY_NEW_ENCRYPTION_KEY (and the current one, if any, in PARLEY_ENCRYPTION_KEY)');
  }
  const to = EncryptionKey.parse(env.PARLEY_NEW_ENCRYPTION_KEY);
  const from = env.PARLEY_ENCRYPTION_KEY ? EncryptionKey.parse(env.PARLEY_ENCRYPTION_KEY) : null;
  const result = await rekeyDataDir({ dataDir, from, to, database: !postgres });
  console.log(
    `Rekeyed ${dataDir} from ${from ? `key ${from.id}` : 'no key'} to key ${to.id}: database ${result.database}, ` +
      `${result.resealed} attachment files re-encrypted, ${result.already} already under the new key.`,
  );
  console.log('Start the server with PARLEY_ENCRYPTION_KEY set to the new key.');
}
