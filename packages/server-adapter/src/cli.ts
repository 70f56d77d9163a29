#!/usr/bin/env node
/**
 * `parley-server`: runs the reference server. Every option is a flag, an
 * environment variable or a key of an optional JSON config file, as the
 * option table says (`cli/option-table.ts`; `parley-server --help` lists them).
 */
import pino from 'pino';
import { OptionError, readCliConfig } from './cli/config-sources.js';
import { usageText } from './cli/option-docs.js';
import { runRekey } from './encryption/rekey-command.js';
import { createServer } from './server.js';

async function main(): Promise<void> {
  const config = readCliConfig(process.argv.slice(2), process.env);
  if (config.help) {
    console.log(usageText());
    return;
  }
  const options = config.server;
  if (config.rekey) {
    return runRekey({
      dataDir: options.dataDir ?? '.parley-data',
      attachmentsDir: options.attachmentsDir,
      from: typeof options.encryptionKey === 'string' ? options.encryptionKey : undefined,
      to: config.newEncryptionKey,
      postgres: options.databaseUrl !== undefined,
    });
  }
  const auth = options.auth;
  if (!auth.secret && !auth.publicKey && !auth.dev) {
    throw new OptionError(
      'no way to verify tokens: set PARLEY_JWT_SECRET (or PARLEY_JWT_SECRET_FILE, or "jwtSecret" in the config file), ' +
        'PARLEY_JWT_PUBLIC_KEY, or --dev for a development server',
    );
  }
  const server = createServer({ ...options, logger: pino({ name: 'parley', level: config.logLevel }) });
  const { url } = await server.listen(config.port, config.host);
  console.log(`Parley server listening on ${url}`);
  if (auth.dev) console.log(`Dev mode: mint tokens with POST ${url}/v1/dev/token {"user":"ada"} (never expose this server)`);
  if (auth.dev && auth.devAllowRemote) {
    console.warn('WARNING: dev mode beyond loopback (--dev-allow-remote): anyone who can reach this server can mint tokens for any user.');
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`parley-server: ${error instanceof Error ? error.message : String(error)}`);
  console.error('Run parley-server --help for usage.');
  process.exit(1);
});
