import { css } from 'lit';

/**
 * Styles of `<call-panel>` (loaded with the call chunk; the shared tokens come
 * with the element). Tiles sit on a dark backdrop in both themes, as video
 * does; their labels are light text on a translucent dark bar.
 */
export const styles = css`
  :host {
    display: block;
    height: var(--parley-call-panel-height, 100%);
    min-height: 20rem;
    container-type: inline-size;
    --_tile-bg: var(--parley-call-panel-tile-bg, #2a2d35);
    --_speaker: var(--parley-call-panel-speaker, var(--_accent));
    --_chat-width: var(--parley-call-panel-chat-width, 22rem);
  }
  [part='base'] {
    display: flex;
    height: 100%;
    box-sizing: border-box;
    background: var(--_bg);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    overflow: hidden;
  }
  .main {
    flex: 1;
    min-width: 0;
    display: flex;
    flex-direction: column;
    gap: var(--_space);
    padding: var(--_space);
  }
  [part='chat'] {
    flex: 0 0 var(--_chat-width);
    border-inline-start: 1px solid var(--_border);
    min-height: 0;
    display: flex;
  }
  [part='chat'] chat-room {
    flex: 1;
    --parley-chat-room-height: 100%;
  }
  @container (max-width: 44rem) {
    [part='base'] {
      flex-direction: column;
    }
    [part='chat'] {
      flex: 1 1 50%;
      border-inline-start: 0;
      border-top: 1px solid var(--_border);
    }
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  button,
  select {
    font: inherit;
    color: inherit;
  }
  button {
    cursor: pointer;
  }

  /* ---- pre-join ---- */
  [part='prejoin'] {
    flex: 1;
    display: grid;
    grid-template-columns: minmax(0, 3fr) minmax(14rem, 2fr);
    gap: calc(var(--_space) * 2);
    align-items: center;
    overflow: auto;
  }
  @container (max-width: 36rem) {
    [part='prejoin'] {
      grid-template-columns: 1fr;
    }
  }
  .preview-frame {
    position: relative;
    aspect-ratio: 16 / 9;
    background: var(--_tile-bg);
    border-radius: var(--_radius);
    overflow: hidden;
  }
  .preview-off {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    color: #eceef2;
  }
  .setup {
    display: flex;
    flex-direction: column;
    gap: var(--_space);
  }
  .setup h2 {
    margin: 0;
    font-size: 1.15em;
  }
  [part~='devices'] {
    display: flex;
    flex-direction: column;
    gap: calc(var(--_space) / 2);
  }
  [part~='devices'] label {
    display: flex;
    flex-direction: column;
    gap: 2px;
    font-size: 0.9em;
    color: var(--_text-muted);
  }
  [part~='device-select'] {
    padding: calc(var(--_space) * 0.75);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) - 2px);
    background: var(--_bg);
    color: var(--_text);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space);
    align-items: center;
  }
  [part~='join'] {
    padding: calc(var(--_space) * 1.25) calc(var(--_space) * 3);
    border: 0;
    border-radius: 999px;
    background: var(--_accent);
    color: var(--_accent-contrast);
    font-weight: 600;
  }
  [part~='join']:disabled {
    opacity: 0.7;
    cursor: progress;
  }

  /* ---- in the call ---- */
  [part='status'] {
    margin: 0;
    color: var(--_text-muted);
    font-size: 0.9em;
  }
  [part='status']:empty {
    display: none;
  }
  [part='stage'] {
    flex: 1;
    min-height: 0;
    overflow: auto;
    display: flex;
    flex-direction: column;
    gap: var(--_space);
  }
  [part='grid'] {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 14rem), 1fr));
    gap: var(--_space);
    align-content: start;
  }
  /* A shared screen takes the room; the tiles become a strip below it. */
  [part='stage'][data-screen] {
    overflow: hidden;
  }
  [part='stage'][data-screen] [part='grid'] {
    flex: none;
    grid-template-columns: none;
    grid-auto-flow: column;
    grid-auto-columns: 10rem;
    overflow-x: auto;
  }
  [part~='tile'],
  [part~='screen'] {
    position: relative;
    aspect-ratio: 16 / 9;
    background: var(--_tile-bg);
    border-radius: var(--_radius);
    overflow: hidden;
    color: #ffffff;
  }
  [part~='screen'] {
    flex: 1 1 0;
    min-height: 8rem;
    aspect-ratio: auto;
    margin: 0;
  }
  [part='grid'] {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  [part~='tile'][data-active-speaker] {
    box-shadow: 0 0 0 3px var(--_speaker);
  }
  [part~='video'] {
    width: 100%;
    height: 100%;
    object-fit: cover;
    display: block;
  }
  [part~='screen'] [part~='video'] {
    object-fit: contain;
    background: #000000;
  }
  [part~='video'][hidden] {
    display: none;
  }
  [data-self] [part~='video'],
  .preview-frame [part~='preview'] {
    transform: scaleX(-1);
  }
  [part='avatar'] {
    position: absolute;
    inset: 0;
    margin: auto;
    width: 3.5rem;
    height: 3.5rem;
    border-radius: 50%;
    display: grid;
    place-items: center;
    background: #4a4f5c;
    font-size: 1.5rem;
    font-weight: 600;
  }
  .label {
    position: absolute;
    inset-inline-start: calc(var(--_space) / 2);
    bottom: calc(var(--_space) / 2);
    max-width: calc(100% - var(--_space));
    display: flex;
    gap: calc(var(--_space) / 2);
    align-items: center;
    padding: 2px calc(var(--_space) * 0.75);
    border-radius: calc(var(--_radius) - 2px);
    background: rgb(0 0 0 / 0.68);
    font-size: 0.85em;
  }
  [part='name'] {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  [part~='muted'],
  [part='quality'] {
    display: inline-flex;
    align-items: center;
  }
  [part='quality'] {
    position: absolute;
    top: calc(var(--_space) / 2);
    inset-inline-end: calc(var(--_space) / 2);
    padding: 2px calc(var(--_space) * 0.75);
    border-radius: calc(var(--_radius) - 2px);
    background: rgb(0 0 0 / 0.68);
    font-size: 0.8em;
  }
  svg {
    width: 1.1em;
    height: 1.1em;
    flex: none;
  }

  /* ---- controls ---- */
  [part='controls'] {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: center;
    gap: var(--_space);
  }
  [part~='control'] {
    display: inline-flex;
    align-items: center;
    gap: calc(var(--_space) / 2);
    padding: calc(var(--_space) * 0.9) calc(var(--_space) * 1.5);
    border: 1px solid var(--_border);
    border-radius: 999px;
    background: var(--_surface);
  }
  [part~='control'][aria-pressed='true'],
  [part~='control'][aria-expanded='true'] {
    border-color: var(--_accent);
    box-shadow: inset 0 0 0 1px var(--_accent);
  }
  [part~='mic'][aria-pressed='false'],
  [part~='camera'][aria-pressed='false'] {
    color: var(--_danger);
    border-color: var(--_danger);
  }
  [part~='leave'] {
    background: var(--_danger);
    border-color: var(--_danger);
    color: var(--_bg);
    font-weight: 600;
  }
  .device-panel {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space);
    align-items: end;
    padding: var(--_space);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  .device-panel h3 {
    margin: 0;
    width: 100%;
    font-size: 1em;
  }
  .device-panel [part~='devices'] {
    flex-direction: row;
    flex-wrap: wrap;
  }

  /* ---- messages ---- */
  [part~='error'] {
    display: flex;
    gap: var(--_space);
    align-items: center;
    justify-content: space-between;
    padding: var(--_space);
    border: 1px solid var(--_danger);
    border-radius: var(--_radius);
    color: var(--_danger);
    background: var(--_bg);
  }
  [part~='error'] button {
    border: 1px solid currentColor;
    border-radius: calc(var(--_radius) - 2px);
    background: transparent;
    padding: 2px var(--_space);
  }
  .note {
    color: var(--_text-muted);
    margin: 0;
  }
`;
