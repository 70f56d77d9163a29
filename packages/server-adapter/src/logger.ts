/** The server's structured logger: pino JSON lines, or a silent one. */
import pino from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/** Returns the host's logger, a silent logger for `false`, or pino at `info` to stdout. */
export function createLogger(option: Logger | false | undefined): Logger {
  if (option === false) return pino({ enabled: false });
  return option ?? pino({ name: 'parley' });
}
