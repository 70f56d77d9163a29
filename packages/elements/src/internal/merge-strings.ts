/** An element's strings: a host's partial override merged over the English defaults. */
export function mergeStrings<T extends object>(defaults: T, override: Partial<T> | undefined): T {
  return override ? { ...defaults, ...override } : defaults;
}
