import { css } from 'lit';

/** The dark theme's defaults (a host's `--parley-*` values still win). */
const dark = css`
  --_bg: var(--parley-color-bg, #16181d);
  --_surface: var(--parley-color-surface, #22252c);
  --_text: var(--parley-color-text, #eceef2);
  --_text-muted: var(--parley-color-text-muted, #a3a9b6);
  --_accent: var(--parley-color-accent, #8fb0ff);
  --_accent-contrast: var(--parley-color-accent-contrast, #0d1020);
  --_border: var(--parley-color-border, #3a3f4a);
  --_danger: var(--parley-color-danger, #ff8f85);
  --_warning-bg: var(--parley-color-warning-bg, #3d3214);
  --_warning-text: var(--parley-color-warning-text, #ffe7a3);
  --_focus: var(--parley-color-focus, #8fb0ff);
  --_mention: var(--parley-color-mention, #2b3557);
  color-scheme: dark;
`;

/**
 * The design tokens every element reads, with the light theme as fallback and
 * the dark theme under `prefers-color-scheme: dark` or `theme="dark"`. Hosts
 * override any `--parley-*` property on the element or an ancestor
 * (`themes/light.css` and `themes/dark.css` set them on `:root`).
 *
 * Element styles read the private `--_x` properties below, which resolve a
 * host's `--parley-*` override first, then the theme default.
 */
export const tokens = css`
  :host {
    --_bg: var(--parley-color-bg, #ffffff);
    --_surface: var(--parley-color-surface, #f4f5f7);
    --_text: var(--parley-color-text, #1b1d22);
    --_text-muted: var(--parley-color-text-muted, #5b6170);
    --_accent: var(--parley-color-accent, #2f5bd3);
    --_accent-contrast: var(--parley-color-accent-contrast, #ffffff);
    --_border: var(--parley-color-border, #d5d8de);
    --_danger: var(--parley-color-danger, #b42318);
    --_warning-bg: var(--parley-color-warning-bg, #fff4d6);
    --_warning-text: var(--parley-color-warning-text, #5c4400);
    --_focus: var(--parley-color-focus, #2f5bd3);
    --_mention: var(--parley-color-mention, #e8eefc);
    --_font: var(--parley-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_font-size: var(--parley-font-size, 0.9375rem);
    --_radius: var(--parley-radius, 8px);
    --_space: var(--parley-space, 0.5rem);
    color-scheme: light;
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
  :host {
    font-family: var(--_font);
    font-size: var(--_font-size);
    color: var(--_text);
  }
  :host([hidden]) {
    display: none !important;
  }
  :focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
`;
