import { css } from 'lit';
import { tokens } from '../../styles/tokens.styles.js';

/** Styles of `<room-list>`: the shared tokens, then the element's own rules. */
export const styles = [
  tokens,
  css`
    :host {
      display: block;
      --_online: var(--room-list-presence-online, #1f8a4c);
      --_away: var(--room-list-presence-away, #b7791f);
      --_offline: var(--room-list-presence-offline, var(--_text-muted));
      --_selected-bg: var(--room-list-selected-bg, var(--_surface));
    }
    :host([theme='dark']) {
      --_online: var(--room-list-presence-online, #4cc38a);
      --_away: var(--room-list-presence-away, #e0a84b);
    }
    @media (prefers-color-scheme: dark) {
      :host(:not([theme='light'])) {
        --_online: var(--room-list-presence-online, #4cc38a);
        --_away: var(--room-list-presence-away, #e0a84b);
      }
    }
    [part='base'] {
      display: flex;
      flex-direction: column;
      gap: var(--_space);
      padding: var(--_space);
      background: var(--_bg);
      color: var(--_text);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      box-sizing: border-box;
      height: 100%;
      overflow: auto;
    }
    [part='header'] {
      display: flex;
      align-items: center;
      justify-content: space-between;
    }
    [part='title'] {
      margin: 0;
      font-size: 1.05em;
    }
    [part='list'] {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 2px;
    }
    [part~='room'] {
      display: flex;
      align-items: center;
      gap: var(--_space);
      padding: calc(var(--_space) * 1.25) var(--_space);
      border-radius: calc(var(--_radius) - 2px);
      cursor: pointer;
      min-height: 2.25rem;
      box-sizing: border-box;
    }
    [part~='room']:hover {
      background: var(--_surface);
    }
    [part~='room'][aria-selected='true'] {
      background: var(--_selected-bg);
      box-shadow: inset 3px 0 0 var(--_accent);
      font-weight: 600;
    }
    [part~='room'][data-unread] [part='room-name'] {
      font-weight: 600;
    }
    [part='room-name'] {
      flex: 1;
      min-width: 0;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    [part='activity'] {
      color: var(--_text-muted);
      font-size: 0.85em;
      font-weight: normal;
      white-space: nowrap;
    }
    [part='badge'] {
      background: var(--_accent);
      color: var(--_accent-contrast);
      border-radius: 999px;
      min-width: 1.4em;
      padding: 0 0.45em;
      font-size: 0.8em;
      font-weight: 600;
      line-height: 1.5;
      text-align: center;
      box-sizing: border-box;
    }
    [part='presence'] {
      width: 0.6rem;
      height: 0.6rem;
      border-radius: 50%;
      flex: none;
      background: var(--_offline);
    }
    [part='presence'][data-status='online'] {
      background: var(--_online);
    }
    [part='presence'][data-status='away'] {
      background: var(--_away);
    }
    [part='actions'],
    .row {
      display: flex;
      flex-wrap: wrap;
      gap: var(--_space);
      align-items: center;
    }
    button {
      font: inherit;
      color: var(--_text);
      background: var(--_surface);
      border: 1px solid var(--_border);
      border-radius: calc(var(--_radius) - 2px);
      padding: calc(var(--_space) * 0.75) calc(var(--_space) * 1.5);
      cursor: pointer;
    }
    button.primary {
      background: var(--_accent);
      color: var(--_accent-contrast);
      border-color: var(--_accent);
    }
    button:disabled {
      cursor: progress;
      opacity: 0.8;
    }
    [part~='panel'] {
      display: flex;
      flex-direction: column;
      gap: calc(var(--_space) * 0.75);
      padding: var(--_space);
      background: var(--_surface);
      border-radius: calc(var(--_radius) - 2px);
    }
    [part~='panel'] form {
      display: flex;
      flex-direction: column;
      gap: calc(var(--_space) * 0.75);
    }
    [part~='input'] {
      font: inherit;
      color: var(--_text);
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: calc(var(--_radius) - 2px);
      padding: calc(var(--_space) * 0.75);
      min-width: 0;
      flex: 1;
    }
    [part='results'] {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: var(--_space);
    }
    [part='results'] li {
      display: flex;
      align-items: center;
      gap: var(--_space);
    }
    .result-text {
      flex: 1;
      display: flex;
      flex-direction: column;
      min-width: 0;
    }
    .result-name {
      font-weight: 600;
    }
    .muted,
    .empty {
      color: var(--_text-muted);
    }
    .empty {
      margin: 0;
    }
    [part='error'] {
      color: var(--_danger);
      margin: 0;
    }
    .visually-hidden {
      position: absolute;
      width: 1px;
      height: 1px;
      margin: -1px;
      padding: 0;
      overflow: hidden;
      clip: rect(0 0 0 0);
      white-space: nowrap;
      border: 0;
    }
  `,
];
