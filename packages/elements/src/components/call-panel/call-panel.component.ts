import { html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import type { Call } from '@parley/sdk';
import { ParleyElement } from '../../base/parley-element.js';
import { tokens } from '../../styles/tokens.styles.js';
import type { ErrorStrings } from '../../base/error-strings.js';
import type { CallPanelStrings } from './call-panel.strings.js';
import type * as CallViewModule from './call-view.js';
import type { CallView } from './call-view.js';

let viewModule: Promise<typeof CallViewModule> | undefined;

/**
 * Everything but this class (rendering, media, the SDK's call code and
 * mediasoup-client) loads when the first `<call-panel>` connects: a separate
 * chunk in the script-tag bundle, so chat-only pages never download it.
 */
function loadView(): Promise<typeof CallViewModule> {
  return (viewModule ??= import('./call-view.js'));
}

/**
 * @summary A video call in one room: a pre-join check, then a grid of
 * participant tiles with controls, and the room's chat beside it.
 *
 * Before joining, the user sees a preview of their camera, picks a microphone
 * and camera, turns either off, and presses Join. In the call every
 * participant gets a tile with their video (yours mirrored), name and mute
 * indicators; the active speaker is outlined; a shared screen is shown large
 * above the tiles; remote audio plays through the page. The controls turn the
 * microphone, camera and screen sharing on and off, switch devices, show the
 * chat (`<chat-room>` for the same room, same client) and leave. Removing the
 * element from the page leaves the call.
 *
 * Inside a `<parley-session>` it uses the session's client. Alone, it takes a
 * `client` property, or `server` + `user` with `dev` or a `token`.
 *
 * The call code loads on first connect (a separate chunk of the script-tag
 * bundle); until then the element renders nothing.
 *
 * Stable hooks in the open shadow root: the join button is `part="join"`, the
 * leave button `part="leave"`, the microphone and camera toggles `part="mic"`
 * and `part="camera"` (with `aria-pressed`, on the pre-join screen and in the
 * call); each participant's tile (yours included) is `part="tile"` with
 * `data-user` (the user id) and contains that participant's `<video>`.
 * Tiles also carry `data-self`, `data-audio-muted`, `data-video-muted`,
 * `data-speaking`, `data-active-speaker` and `data-quality`; a shared screen
 * is `part="screen"` with `data-user`.
 *
 * Keyboard: every control is a native button or select (Tab, Enter, Space);
 * Escape closes the device panel.
 *
 * @attr theme - `light` or `dark` forces a theme; without it the element follows `prefers-color-scheme`.
 *
 * @event parley-call-join - The user presses Join ({@link ParleyCallJoinEvent}; cancelable).
 * @event parley-call-leave - The user presses Leave ({@link ParleyCallLeaveEvent}; cancelable).
 * @event parley-call-media-toggle - The user turns the microphone, camera or screen share on or off ({@link ParleyCallMediaToggleEvent}; cancelable).
 * @event parley-call-device-select - The user picks a microphone or camera ({@link ParleyCallDeviceSelectEvent}; cancelable).
 *
 * @csspart base - The outer wrapper.
 * @csspart prejoin - The pre-join screen.
 * @csspart preview - The pre-join camera preview (`<video>`).
 * @csspart devices - The device selects (pre-join, and the in-call device panel).
 * @csspart device-select - One device `<select>` (`data-kind` audioinput / videoinput).
 * @csspart join - The join button.
 * @csspart stage - The call: shared screens and the tile grid.
 * @csspart screen - A shared screen (`data-user`), shown large.
 * @csspart grid - The grid of participant tiles.
 * @csspart tile - One participant (`data-user`, `data-self`, `data-audio-muted`, `data-video-muted`, `data-speaking`, `data-active-speaker`, `data-quality`).
 * @csspart video - A tile's or screen's `<video>`.
 * @csspart avatar - The initial shown while a participant's camera is off.
 * @csspart name - A participant's name on their tile.
 * @csspart muted - A mute indicator (`data-kind` audio / video).
 * @csspart quality - The poor / lost connection badge.
 * @csspart controls - The control bar.
 * @csspart control - Every control button (`mic`, `camera`, `screen`, `devices`, `chat`, `leave` name each).
 * @csspart mic - The microphone toggle (`aria-pressed` true = on).
 * @csspart camera - The camera toggle (`aria-pressed` true = on).
 * @csspart screen-toggle - The screen share toggle.
 * @csspart devices-toggle - The button that opens the device panel.
 * @csspart chat-toggle - The chat toggle.
 * @csspart leave - The leave button.
 * @csspart chat - The aside holding the room's `<chat-room>`.
 * @csspart status - The status line (joining, reconnecting, who is here).
 * @csspart error - An error (`role="alert"`, `data-code` the SDK error code).
 *
 * @cssproperty --parley-call-panel-height - The element's height (default 100% of its container).
 * @cssproperty --parley-call-panel-tile-bg - Background of a tile without video.
 * @cssproperty --parley-call-panel-speaker - Outline colour of the active speaker (default: the accent colour).
 * @cssproperty --parley-call-panel-chat-width - Width of the chat beside the call (default 22rem).
 */
export class CallPanel extends ParleyElement {
  static override styles = tokens;

  /** The room id. */
  @property({ reflect: true }) accessor room = '';
  /** Overrides of the user-visible strings. */
  @property({ attribute: false }) accessor strings: Partial<CallPanelStrings> | undefined = undefined;
  /** Shows the room's chat beside the call (the Chat button toggles it; reflected). */
  @property({ type: Boolean, reflect: true }) accessor chat = false;

  /** The loaded view (null until its chunk arrives). */
  private view: CallView | null = null;

  /**
   * The SDK's `Call` for `room`, once the panel has loaded it (undefined
   * before, and without a client or room). Its state is also in
   * `activeClient.store` under `calls[room]`; `await call.stats()` tells what
   * arrived from each participant (diagnostics, tests).
   */
  get call(): Call | undefined {
    return this.view?.call;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void loadView().then((module) => {
      this.view ??= new module.CallView(this);
    });
  }

  protected override get errorStrings(): Partial<ErrorStrings> {
    return this.strings ?? {};
  }

  /** A failed connection above the call (unless the host took it over: `parley-error`); the call's own errors are the view's. */
  protected override render(): unknown {
    const failure = this.errors.failure;
    return html`${failure && this.errors.visible
      ? html`<p part="error" role="alert" data-code=${failure.code}>${this.failureText(failure)}</p>`
      : nothing}${this.view?.render() ?? nothing}`;
  }
}
