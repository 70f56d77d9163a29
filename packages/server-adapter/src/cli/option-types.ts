/**
 * The value types of `parley-server`'s options: how each is read from text
 * (a flag or an environment variable) and from JSON (the config file), and
 * what it expects, for the message that refuses a bad value.
 */

/** How one type of value is read; `undefined` from a reader means the value does not fit. */
export interface OptionType<T> {
  /** What a value must be, for messages ("a whole number from 1 to 65535"). */
  readonly expected: string;
  /** The type in a word or two, for the docs' table ("integer 1–65535"). */
  readonly label: string;
  /** Whether a flag of this type takes no argument (`--dev`, `--no-calls`). */
  readonly isSwitch?: boolean;
  fromText(text: string): T | undefined;
  fromJson(value: unknown): T | undefined;
}

/** Any string (not empty). */
export const text: OptionType<string> = {
  expected: 'a non-empty string',
  label: 'string',
  fromText: (value) => (value === '' ? undefined : value),
  fromJson: (value) => (typeof value === 'string' && value !== '' ? value : undefined),
};

/** A whole number within `[min, max]`. */
export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER): OptionType<number> {
  const fits = (value: number): boolean => Number.isSafeInteger(value) && value >= min && value <= max;
  return {
    expected: max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`,
    label: max === Number.MAX_SAFE_INTEGER ? `integer ≥ ${min}` : `integer ${min}–${max}`,
    fromText: (value) => (/^-?\d+$/.test(value.trim()) && fits(Number(value)) ? Number(value) : undefined),
    fromJson: (value) => (typeof value === 'number' && fits(value) ? value : undefined),
  };
}

/** Any number within `[min, max]`. */
export function decimal(min: number, max: number): OptionType<number> {
  const fits = (value: number): boolean => Number.isFinite(value) && value >= min && value <= max;
  return {
    expected: `a number from ${min} to ${max}`,
    label: `number ${min}–${max}`,
    fromText: (value) => (value.trim() !== '' && fits(Number(value)) ? Number(value) : undefined),
    fromJson: (value) => (typeof value === 'number' && fits(value) ? value : undefined),
  };
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** On or off: a switch flag (`--dev`, `--no-calls`), `1`/`0` (or true/false, yes/no, on/off) in the environment, a JSON boolean in the file. */
export const boolean: OptionType<boolean> = {
  expected: 'true or false (1 or 0)',
  label: 'boolean',
  isSwitch: true,
  fromText: (value) => (TRUE.has(value.trim().toLowerCase()) ? true : FALSE.has(value.trim().toLowerCase()) ? false : undefined),
  fromJson: (value) => (typeof value === 'boolean' ? value : undefined),
};

/** A list of strings: comma-separated in text, an array of strings in JSON. */
export const list: OptionType<string[]> = {
  expected: 'a comma-separated list (in the config file, an array of strings)',
  label: 'list',
  fromText: (value) => {
    const items = value.split(',').map((item) => item.trim()).filter(Boolean);
    return items.length > 0 ? items : undefined;
  },
  fromJson: (value) => (Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '') ? [...(value as string[])] : undefined),
};

/** One of `values`. */
export function oneOf<const T extends string>(values: readonly T[]): OptionType<T> {
  const pick = (value: unknown): T | undefined => (values as readonly unknown[]).includes(value) ? (value as T) : undefined;
  return { expected: `one of ${values.join(', ')}`, label: values.map((value) => `\`${value}\``).join(' \\| '), fromText: pick, fromJson: pick };
}

/** `false`, a hop count, or a list of addresses, CIDR ranges and names (checked by `ProxyTrust` when the server starts). */
export const trustProxy: OptionType<false | number | string[]> = {
  expected: 'false, a number of proxies (1 or more), or a comma-separated list of addresses, CIDR ranges, loopback, linklocal, uniquelocal',
  label: 'false, count or list',
  fromText: (value) => {
    const trimmed = value.trim();
    if (FALSE.has(trimmed.toLowerCase())) return false;
    if (/^\d+$/.test(trimmed)) return Number(trimmed) >= 1 ? Number(trimmed) : undefined;
    return list.fromText(trimmed);
  },
  fromJson: (value) => {
    if (value === false) return false;
    if (typeof value === 'number') return Number.isInteger(value) && value >= 1 ? value : undefined;
    if (typeof value === 'string') return trustProxy.fromText(value);
    return list.fromJson(value);
  },
};

/**
 * A JSON value checked by `accepts`: in text, JSON (`PARLEY_ICE_SERVERS='[…]'`);
 * in the config file, the value itself.
 */
export function json<T>(expected: string, accepts: (value: unknown) => value is T): OptionType<T> {
  return {
    expected,
    label: 'JSON',
    fromText: (value) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return undefined;
      }
      return accepts(parsed) ? parsed : undefined;
    },
    fromJson: (value) => (accepts(value) ? value : undefined),
  };
}

/** A reader's way to say exactly what is wrong with a value, instead of the type's `expected`. */
export class ValueProblem extends Error {
  override readonly name = 'ValueProblem';
}

/**
 * Overrides of a settings object with defaults (`limits`, `timing`…): every
 * key must be one the defaults have, with a value of the same shape (a number
 * for a number, an array of strings for one, an object with all the keys of
 * a nested default). Throws `ValueProblem` naming the first key that is not.
 */
export function overridesOf(name: string, defaults: object): OptionType<Record<string, unknown>> {
  const check = (value: unknown): value is Record<string, unknown> => {
    const problem = shapeProblem(value, defaults, name, true);
    if (problem) throw new ValueProblem(problem);
    return true;
  };
  return json(`an object of ${name} settings (${Object.keys(defaults).join(', ')})`, check);
}

/** What makes `value` unlike `model` (null when nothing does), naming the path. */
function shapeProblem(value: unknown, model: unknown, path: string, partial: boolean): string | null {
  const kind = Array.isArray(model) ? 'an array of strings' : typeof model === 'object' ? 'an object' : `a ${typeof model}`;
  if (typeof model === 'number') return typeof value === 'number' && Number.isFinite(value) ? null : `${path} must be a number`;
  if (typeof model === 'string' || typeof model === 'boolean') return typeof value === typeof model ? null : `${path} must be ${kind}`;
  if (Array.isArray(model)) return Array.isArray(value) && value.every((item) => typeof item === 'string') ? null : `${path} must be ${kind}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path} must be ${kind}`;
  const shape = model as Record<string, unknown>;
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(shape, key)) return `${path}.${key} is not a setting (known: ${Object.keys(shape).join(', ')})`;
    const problem = shapeProblem(given[key], shape[key], `${path}.${key}`, false);
    if (problem) return problem;
  }
  // Nested objects (a rate's perSecond and burst) are given whole.
  const missing = partial ? undefined : Object.keys(shape).find((key) => !Object.hasOwn(given, key));
  return missing === undefined ? null : `${path}.${missing} is missing (give ${Object.keys(shape).join(' and ')} together)`;
}
