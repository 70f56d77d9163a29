/** Retry delays handed to clients. */

/** A random delay in `[min, max)`, so clients told to come back do not return all at once. */
export function jitter(min: number, max: number): number {
  return Math.floor(min + Math.random() * (max - min));
}
