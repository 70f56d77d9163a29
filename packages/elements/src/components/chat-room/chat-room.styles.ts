import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    height: var(--parley-chat-room-height, 100%);
    min-height: 16rem;
    --_own-bg: var(--parley-chat-room-own-bg, var(--_surface));
    /* Mid tones that keep 3:1 against both themes' backgrounds. */
    --_online: var(--parley-chat-room-presence-online, #2da160);
    --_away: var(--parley-chat-room-presence-away, #b5790f);
  }
  [part~='base'] {
    display: flex;
    height: 100%;
    background: var(--_bg);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    overflow: hidden;
  }
  .main {
    display: flex;
    flex-direction: column;
    flex: 1 1 auto;
    min-width: 0;
    position: relative;
  }
  [part~='header'] {
    display: flex;
    align-items: baseline;
    gap: var(--_space);
    padding: var(--_space) calc(var(--_space) * 2);
    border-bottom: 1px solid var(--_border);
  }
  .title {
    margin: 0;
    font-size: 1em;
    font-weight: 600;
  }
  .topic {
    color: var(--_text-muted);
    font-size: 0.875em;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  [part~='banner'] {
    padding: var(--_space) calc(var(--_space) * 2);
    background: var(--_warning-bg);
    color: var(--_warning-text);
    font-size: 0.875em;
  }
  [part~='messages'] {
    flex: 1 1 auto;
    overflow-y: auto;
    padding: var(--_space) 0;
    overscroll-behavior: contain;
    /* The history window controller anchors the scroll position itself. */
    overflow-anchor: none;
  }
  .note {
    text-align: center;
    color: var(--_text-muted);
    font-size: 0.8125em;
    padding: var(--_space);
  }
  [part~='message'] {
    position: relative;
    padding: calc(var(--_space) / 2) calc(var(--_space) * 2);
    overflow-wrap: anywhere;
  }
  [part~='message']:hover,
  [part~='message']:focus-within {
    background: var(--_surface);
  }
  [part~='message'].own {
    background: var(--_own-bg);
  }
  [part~='message'].mentioned {
    background: var(--_mention);
  }
  [part~='message']:focus-visible {
    outline-offset: -2px;
  }
  [part~='system-message'] {
    color: var(--_text-muted);
    font-size: 0.875em;
    text-align: center;
    font-style: italic;
  }
  .meta {
    display: flex;
    gap: var(--_space);
    align-items: baseline;
    font-size: 0.8125em;
    color: var(--_text-muted);
  }
  [part~='sender'] {
    font-weight: 600;
    color: var(--_text);
  }
  [part~='text'] {
    white-space: pre-wrap;
  }
  [part~='tombstone'] {
    color: var(--_text-muted);
    font-style: italic;
  }
  [part~='code'] {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: 4px;
    padding: 0 0.25em;
  }
  a {
    color: var(--_accent);
  }
  .mention {
    background: var(--_mention);
    border-radius: 4px;
    padding: 0 0.15em;
    font-weight: 600;
  }
  [part~='reply-quote'] {
    display: block;
    border: none;
    border-left: 3px solid var(--_border);
    background: none;
    color: var(--_text-muted);
    font: inherit;
    font-size: 0.8125em;
    padding: 0 var(--_space);
    margin: 0 0 0.25em;
    text-align: start;
    cursor: pointer;
    max-width: 100%;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  [part~='status'] {
    font-size: 0.75em;
    color: var(--_text-muted);
  }
  [part~='message'][data-status='failed'] [part~='status'],
  [part~='error'] {
    color: var(--_danger);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_space) / 2);
    align-items: center;
    margin-top: 0.25em;
  }
  button {
    font: inherit;
    color: var(--_text);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 0.125em 0.5em;
    cursor: pointer;
  }
  button:hover {
    border-color: var(--_accent);
  }
  [part~='reaction'][aria-pressed='true'] {
    border-color: var(--_accent);
    background: var(--_mention);
  }
  [part~='actions'] {
    position: absolute;
    inset-block-start: 0.125em;
    inset-inline-end: var(--_space);
    display: flex;
    gap: 0.25em;
    opacity: 0;
  }
  [part~='message']:hover [part~='actions'],
  [part~='message']:focus-within [part~='actions'] {
    opacity: 1;
  }
  [part~='reaction-picker'] {
    display: flex;
    gap: 0.25em;
    margin-top: 0.25em;
  }
  [part~='attachment-image'] {
    display: block;
    max-width: min(100%, 20rem);
    max-height: 14rem;
    border-radius: var(--_radius);
    border: 1px solid var(--_border);
  }
  .attachments [part~='attachment'],
  [part~='upload'] {
    display: inline-flex;
    align-items: center;
    gap: 0.25em;
  }
  [part~='attachment-preview'] {
    width: 2.5rem;
    height: 2.5rem;
    object-fit: cover;
    border-radius: var(--_radius);
    border: 1px solid var(--_border);
  }
  [part~='upload-progress'] {
    inline-size: 6rem;
    accent-color: var(--_accent);
  }
  [part~='unread-marker'] {
    display: flex;
    align-items: center;
    gap: var(--_space);
    color: var(--_danger);
    font-size: 0.75em;
    font-weight: 600;
    padding: 0 calc(var(--_space) * 2);
  }
  [part~='unread-marker']::before,
  [part~='unread-marker']::after {
    content: '';
    flex: 1;
    border-top: 1px solid var(--_danger);
  }
  [part~='jump'] {
    position: absolute;
    inset-inline-end: calc(var(--_space) * 2);
    inset-block-end: 6.5rem;
    background: var(--_accent);
    color: var(--_accent-contrast);
    border-color: var(--_accent);
    box-shadow: 0 1px 4px rgb(0 0 0 / 25%);
  }
  [part~='typing'] {
    min-height: 1.25em;
    padding: 0 calc(var(--_space) * 2);
    font-size: 0.8125em;
    color: var(--_text-muted);
  }
  [part~='online'] {
    margin-inline-start: auto;
    display: inline-flex;
    align-items: center;
    gap: 0.35em;
    color: var(--_text-muted);
    font-size: 0.8125em;
    white-space: nowrap;
  }
  [part~='presence'] {
    display: inline-block;
    width: 0.55rem;
    height: 0.55rem;
    border-radius: 50%;
    background: var(--_text-muted);
    align-self: center;
  }
  [part~='presence'][data-status='online'] {
    background: var(--_online);
  }
  [part~='presence'][data-status='away'] {
    background: var(--_away);
  }
  [part~='confirm'] {
    color: var(--_text);
    font-size: 0.875em;
  }
  [part~='confirm-delete'] {
    color: var(--_danger);
    border-color: var(--_danger);
  }
  .composer {
    position: relative;
  }
  [part~='mentions'] {
    position: absolute;
    inset-inline: calc(var(--_space) * 2);
    inset-block-end: 100%;
    max-height: 14rem;
    overflow-y: auto;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    box-shadow: 0 2px 8px rgb(0 0 0 / 20%);
    z-index: 1;
  }
  [part~='mentions'][hidden] {
    display: none;
  }
  [part~='mention-option'] {
    display: flex;
    gap: var(--_space);
    align-items: baseline;
    padding: 0.25em var(--_space);
    cursor: pointer;
  }
  [part~='mention-option-active'] {
    background: var(--_mention);
    outline: 2px solid var(--_focus);
    outline-offset: -2px;
  }
  .mention-id {
    color: var(--_text-muted);
    font-size: 0.875em;
  }
  [part~='composer'],
  [part~='thread-composer'] {
    border-top: 1px solid var(--_border);
    padding: var(--_space) calc(var(--_space) * 2);
  }
  [part~='composer-bar'] {
    display: flex;
    justify-content: space-between;
    align-items: center;
    gap: var(--_space);
    font-size: 0.8125em;
    color: var(--_text-muted);
    margin-bottom: 0.25em;
  }
  .compose-row {
    display: flex;
    gap: var(--_space);
    align-items: flex-end;
  }
  [part~='input'],
  [part~='thread-input'] {
    flex: 1;
    resize: none;
    min-height: 2.5em;
    max-height: 10em;
    font: inherit;
    color: var(--_text);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 0.5em;
  }
  [part~='send'],
  [part~='thread-send'] {
    background: var(--_accent);
    color: var(--_accent-contrast);
    border-color: var(--_accent);
    padding: 0.5em 1em;
  }
  .compose-row :disabled {
    opacity: 0.5;
    cursor: not-allowed;
  }
  .file-input {
    display: none;
  }
  [part~='thread'] {
    display: flex;
    flex-direction: column;
    flex: 0 0 min(22rem, 45%);
    border-inline-start: 1px solid var(--_border);
    min-width: 0;
  }
  [part~='thread'] .thread-list {
    flex: 1;
    overflow-y: auto;
  }
`;
