import { defineElement } from '../../internal/define-element.js';
import { ParleySession } from './parley-session.component.js';

export { ParleySession };

defineElement('parley-session', ParleySession);

declare global {
  interface HTMLElementTagNameMap {
    'parley-session': ParleySession;
  }
}
