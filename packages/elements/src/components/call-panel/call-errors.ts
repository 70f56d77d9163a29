import type { CallPanelStrings } from './call-panel.strings.js';

/** An error as `<call-panel>` shows it: the SDK's code (for `data-code`) and a sentence. */
export interface ShownError {
  code: string;
  text: string;
}

/** The SDK code of anything thrown or reported (`ParleyError.code`), or `''`. */
function codeOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}

/**
 * The sentence for a failure of the call: the cases a user can act on get
 * their own text (allow the camera, plug one in, wait for room, ask to be
 * added); anything else shows the SDK's message.
 */
export function describeError(t: CallPanelStrings, error: unknown): ShownError {
  const code = codeOf(error);
  switch (code) {
    case 'permission_denied':
      return { code, text: t.errorPermissionDenied };
    case 'no_device':
      return { code, text: t.errorNoDevice };
    case 'call_full':
      return { code, text: t.errorCallFull };
    case 'unsupported_browser':
    case 'unsupported':
      return { code, text: t.errorUnsupported };
    case 'call_unavailable':
      return { code, text: t.errorUnavailable };
    case 'not_member':
    case 'not_found':
    case 'banned':
      return { code, text: t.errorNotMember };
    case 'forbidden':
      return { code, text: t.errorForbidden };
    case 'offline':
    case 'disconnected':
      return { code, text: t.errorOffline };
    default:
      return { code, text: t.errorOther(error instanceof Error ? error.message : String(error)) };
  }
}
