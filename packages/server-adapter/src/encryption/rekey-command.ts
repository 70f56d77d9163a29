/** `parley-server --rekey`: key rotation from the command line (keys come from the environment or the config file, never from arguments). */
import { EncryptionKey } from './key.js';
import { rekeyDataDir } from './rekey.js';

/** What `--rekey` rotates. */
export interface RekeyCommand {
  dataDir: string;
  /** Where attachment files live when not under `dataDir`. */
  attachmentsDir?: string;
  /** The current key (`PARLEY_ENCRYPTION_KEY`); undefined when the data is not encrypted yet. */
  from: string | undefined;
  /** The new key (`PARLEY_NEW_ENCRYPTION_KEY`). */
  to: string | undefined;
  /** Storage is PostgreSQL: only the attachment files are rotated. */
  postgres: boolean;
}

/** Rotates the data from `from` to `to`; prints what it did; throws on failure. */
export async function runRekey(command: RekeyCommand): Promise<void> {
  if (!command.to) {
    throw new Error('--rekey needs the new key in PARLEY_NEW_ENCRYPTION_KEY (and the current one, if any, in PARLEY_ENCRYPTION_KEY)');
  }
  const to = EncryptionKey.parse(command.to);
  const from = command.from ? EncryptionKey.parse(command.from) : null;
  const { dataDir, attachmentsDir } = command;
  const result = await rekeyDataDir({ dataDir, attachmentsDir, from, to, database: !command.postgres });
  console.log(
    `Rekeyed ${dataDir} from ${from ? `key ${from.id}` : 'no key'} to key ${to.id}: database ${result.database}, ` +
      `${result.resealed} attachment files re-encrypted, ${result.already} already under the new key.`,
  );
  console.log('Start the server with PARLEY_ENCRYPTION_KEY set to the new key.');
}
