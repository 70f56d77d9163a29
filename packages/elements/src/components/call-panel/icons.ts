/**
 * The call's icons (inline SVG, `currentColor`, hidden from screen readers:
 * every control and indicator also has text). An "off" icon is the "on" one
 * struck through.
 */
import { html, svg } from 'lit';
import type { TemplateResult } from 'lit';

const strike = svg`<path d="M3 3l18 18" />`;

const shapes = {
  mic: svg`<rect x="9" y="3" width="6" height="11" rx="3" /><path d="M5 11a7 7 0 0 0 14 0M12 18v3" />`,
  camera: svg`<rect x="3" y="6" width="12" height="12" rx="2" /><path d="M15 10l6-3v10l-6-3z" />`,
  screen: svg`<rect x="3" y="4" width="18" height="12" rx="2" /><path d="M8 20h8M12 16v4" />`,
  leave: svg`<path d="M4 15c5-5 11-5 16 0l-2 3-3-2v-2a9 9 0 0 0-6 0v2l-3 2z" />`,
  chat: svg`<path d="M4 5h16v11H9l-5 4z" />`,
  devices: svg`<circle cx="12" cy="12" r="3" /><path d="M12 2v3M12 19v3M2 12h3M19 12h3M5 5l2 2M17 17l2 2M5 19l2-2M17 7l2-2" />`,
};

/** Names of the icons. */
export type IconName = keyof typeof shapes;

/** An icon; `off` strikes it through. */
export function icon(name: IconName, off = false): TemplateResult {
  return html`<svg
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
    aria-hidden="true"
    focusable="false"
  >
    ${shapes[name]}${off ? strike : null}
  </svg>`;
}
