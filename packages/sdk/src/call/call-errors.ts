/** Call failures as typed errors. */
import { ParleyError, toParleyError } from '../errors.js';

/** The message of any thrown value. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Any failure as a typed error; mediasoup-client's `UnsupportedError` becomes `unsupported_browser`. */
export function toCallError(error: unknown): ParleyError {
  if (error instanceof ParleyError) return error;
  if (error instanceof Error && error.name === 'UnsupportedError') {
    return new ParleyError('unsupported_browser', `this browser cannot take part in calls: ${error.message}`, { cause: error });
  }
  return toParleyError(error);
}
