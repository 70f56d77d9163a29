/**
 * Registers `<parley-session>` (once: a second copy of the bundle only warns) and
 * re-exports its class. Import this module for the side effect.
 */
import { defineElement } from '../../internal/define-element.js';
import { ParleySession } from './parley-session.component.js';

export { ParleySession };

defineElement('parley-session', ParleySession);

declare global {
  interface HTMLElementTagNameMap {
    'parley-session': ParleySession;
  }
}
