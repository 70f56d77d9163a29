/**
 * Registers `<call-panel>` (once: a second copy of the bundle only warns) and
 * re-exports its class. Import this module for the side effect. The class is
 * small; the call itself loads when the first panel connects.
 */
import { defineElement } from '../../internal/define-element.js';
import { CallPanel } from './call-panel.component.js';

export { CallPanel };

defineElement('call-panel', CallPanel);

declare global {
  interface HTMLElementTagNameMap {
    'call-panel': CallPanel;
  }
}
