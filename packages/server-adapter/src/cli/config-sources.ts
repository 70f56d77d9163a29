/**
 * Reads `parley-server`'s options from its three sources, as the option
 * table describes them: flags, then environment variables (or a file named
 * by `<VAR>_FILE`), then the JSON config file (`--config`, `PARLEY_CONFIG`);
 * the first that sets an option wins, and what none sets keeps the server's
 * default. Unknown flags and keys and values of the wrong type are refused
 * with an `OptionError` naming the source and what was expected; secret
 * values are never repeated in a message.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { ServerOptions } from '../options.js';
import { CONFIG_OPTION, OPTIONS } from './option-table.js';
import type { CliOption, LogLevel } from './option-table.js';
import { ValueProblem } from './option-types.js';

/** Raised for options that cannot be read: unknown, malformed, or set twice in one source. */
export class OptionError extends Error {
  override readonly name = 'OptionError';
}

/** What the command was asked to do. */
export interface CliConfig {
  /** The options for `createServer` (without a logger: the command makes one at `logLevel`). */
  server: ServerOptions;
  port: number;
  host: string;
  logLevel: LogLevel;
  /** `--rekey`: rotate the encryption key and exit. */
  rekey: boolean;
  /** The key `--rekey` rotates to. */
  newEncryptionKey: string | undefined;
  /** `--help`: print the usage and exit. */
  help: boolean;
  /** The config file read, if any. */
  configFile: string | null;
}

/** Reads files named by `--config` and `<VAR>_FILE`; tests pass their own. */
export type ReadText = (path: string) => string;

const readUtf8: ReadText = (path) => readFileSync(path, 'utf8');

/** Reads every option from `argv` (without the node and script paths), `env` and the config file. */
export function readCliConfig(argv: readonly string[], env: NodeJS.ProcessEnv, readText: ReadText = readUtf8): CliConfig {
  const flags = parseFlags(argv);
  const configFile = stringFlag(flags, CONFIG_OPTION.flag) ?? (nonEmpty(env[CONFIG_OPTION.env]) ? env[CONFIG_OPTION.env]! : null);
  const file = configFile === null ? {} : readConfigFile(configFile, readText);

  const server: ServerOptions = { auth: {} };
  const cli: Record<string, unknown> = {};
  for (const option of OPTIONS) {
    const found = fromFlags(option, flags) ?? fromEnv(option, env, readText) ?? fromFile(option, file, configFile);
    if (found === undefined) continue;
    const value = option.transform ? option.transform(found) : found;
    if (option.target.startsWith('cli.')) cli[option.target.slice('cli.'.length)] = value;
    else setPath(server as unknown as Record<string, unknown>, option.target, value);
  }
  return {
    server,
    port: (cli.port as number | undefined) ?? 8787,
    host: (cli.host as string | undefined) ?? '127.0.0.1',
    logLevel: (cli.logLevel as LogLevel | undefined) ?? 'info',
    rekey: cli.rekey === true,
    newEncryptionKey: cli.newEncryptionKey as string | undefined,
    help: flags.help === true,
    configFile,
  };
}

type FlagValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

function parseFlags(argv: readonly string[]): FlagValues {
  const options: NonNullable<ParseArgsConfig['options']> = {
    [CONFIG_OPTION.flag]: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const option of OPTIONS) {
    for (const flag of [option.flag, option.alias]) {
      if (flag) options[flag] = { type: option.type.isSwitch ? 'boolean' : 'string', multiple: option.repeatable === true };
    }
  }
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false, allowNegative: true }).values;
  } catch (error) {
    throw new OptionError((error as Error).message);
  }
}

function stringFlag(flags: FlagValues, name: string): string | null {
  const value = flags[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

function fromFlags(option: CliOption, flags: FlagValues): unknown {
  const given = [option.flag, option.alias].flatMap((flag) => {
    const value = flag ? flags[flag] : undefined;
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  });
  if (given.length === 0) return undefined;
  if (typeof given[0] === 'boolean') return given[given.length - 1];
  // Each repeated flag is one item (a path may hold a comma); otherwise the last one given counts.
  if (option.repeatable) {
    const items = given.map(String);
    if (items.includes('')) throw new OptionError(`--${option.flag} must be ${option.type.expected}, not ""`);
    return items;
  }
  return parseText(option, String(given[given.length - 1]), `--${option.flag}`, false);
}

function fromEnv(option: CliOption, env: NodeJS.ProcessEnv, readText: ReadText): unknown {
  if (!option.env) return undefined;
  const direct = env[option.env];
  const fileVar = `${option.env}_FILE`;
  const path = option.fromFile ? env[fileVar] : undefined;
  if (nonEmpty(direct) && nonEmpty(path)) throw new OptionError(`${option.env} and ${fileVar} are both set: keep one`);
  if (nonEmpty(direct)) return parseText(option, direct, option.env, option.fromFile);
  if (!nonEmpty(path)) return undefined;
  let content: string;
  try {
    content = readText(path);
  } catch (error) {
    throw new OptionError(`${fileVar}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  // Files written by editors and `echo` end with a newline that is not part of the secret.
  return parseText(option, content.replace(/\r?\n$/, ''), `${fileVar} (${path})`, true);
}

function fromFile(option: CliOption, file: Record<string, unknown>, configFile: string | null): unknown {
  if (option.key === null || !Object.hasOwn(file, option.key)) return undefined;
  const source = `${configFile ?? 'config file'}: "${option.key}"`;
  const value = file[option.key];
  const parsed = withProblem(source, () => option.type.fromJson(value));
  if (parsed === undefined) throw new OptionError(`${source} must be ${option.type.expected}${option.fromFile ? '' : `, not ${JSON.stringify(value)}`}`);
  return parsed;
}

function parseText(option: CliOption, raw: string, source: string, hideValue: boolean): unknown {
  const parsed = withProblem(source, () => option.type.fromText(raw));
  if (parsed === undefined) throw new OptionError(`${source} must be ${option.type.expected}${hideValue ? '' : `, not ${JSON.stringify(raw)}`}`);
  return parsed;
}

/** Runs a reader, turning its `ValueProblem` into an `OptionError` that names the source. */
function withProblem<T>(source: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ValueProblem) throw new OptionError(`${source}: ${error.message}`);
    throw error;
  }
}

/** The file's object of options; refuses unreadable files, non-objects and unknown keys. */
function readConfigFile(path: string, readText: ReadText): Record<string, unknown> {
  let content: string;
  try {
    content = readText(path);
  } catch (error) {
    throw new OptionError(`config file ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    throw new OptionError(`config file ${path}: not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OptionError(`config file ${path}: must hold a JSON object of options`);
  const known = new Set(OPTIONS.flatMap((option) => (option.key === null ? [] : [option.key])));
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new OptionError(`config file ${path}: unknown key "${key}"${closest(key, known)} (the keys are listed in parley-server --help)`);
  }
  return value as Record<string, unknown>;
}

/** ` (did you mean "x"?)` for a key one or two edits away from a known one, else ''. */
function closest(key: string, known: ReadonlySet<string>): string {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best === null ? '' : ` (did you mean "${best}"?)`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

/**
 * Sets `path` in `target`, making the objects on the way. An object set where
 * one exists already is merged under it: the single options (`quotas.invites`)
 * are set before their group's object (`quotas`) and win over it.
 */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  let node = target;
  for (const key of keys) {
    const next = node[key];
    node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
  }
  const existing = node[last];
  const merge = typeof existing === 'object' && existing !== null && !Array.isArray(existing) && typeof value === 'object' && value !== null && !Array.isArray(value);
  node[last] = merge ? { ...value, ...existing } : value;
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}
