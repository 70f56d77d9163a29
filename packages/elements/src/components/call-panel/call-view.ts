/**
 * The body of `<call-panel>`, loaded on its first connect: it follows the
 * room's call in the client store, runs the pre-join check and the user's
 * actions through the SDK's `Call`, and renders everything in the element's
 * shadow root. The element class stays small because the script-tag bundle
 * carries it.
 */
import { adoptStyles, html, nothing } from 'lit';
import type { ReactiveController, ReactiveControllerHost, TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Call, CallDevice, CallParticipant, CallState, ParleyClient } from '@parley/sdk';
import { StoreController } from '../../controllers/store-controller.js';
import { ParleyCallDeviceSelectEvent } from '../../events/parley-call-device-select.js';
import { ParleyCallJoinEvent } from '../../events/parley-call-join.js';
import { ParleyCallLeaveEvent } from '../../events/parley-call-leave.js';
import { ParleyCallMediaToggleEvent } from '../../events/parley-call-media-toggle.js';
import type { CallPanelMedia } from '../../events/parley-call-media-toggle.js';
import { mergeStrings } from '../../internal/merge-strings.js';
import { tokens } from '../../styles/tokens.styles.js';
import '../chat-room/chat-room.js';
import { describeError } from './call-errors.js';
import type { ShownError } from './call-errors.js';
import { callPanelStrings } from './call-panel.strings.js';
import type { CallPanelStrings } from './call-panel.strings.js';
import { styles } from './call-panel.styles.js';
import { icon } from './icons.js';
import { mediaSource, streamOf } from './media.js';
import { renderScreen, renderTile } from './tiles.js';
import type { TileView } from './tiles.js';

type DeviceKind = 'audioinput' | 'videoinput';

/** Statuses in which the call screen (not the pre-join screen) is shown. */
const IN_CALL: ReadonlySet<string> = new Set(['joining', 'joined', 'reconnecting']);

/**
 * What the view uses of its `<call-panel>`. The element's module imports this
 * one (lazily), so the view names an interface rather than the class.
 */
export interface CallViewHost extends ReactiveControllerHost, EventTarget {
  readonly room: string;
  /** Whether the room's chat shows beside the call (the Chat button toggles it). */
  chat: boolean;
  readonly strings: Partial<CallPanelStrings> | undefined;
  readonly activeClient: ParleyClient | undefined;
  readonly ownClientError: unknown;
  readonly renderRoot: HTMLElement | DocumentFragment;
}

/** What the view of one `<call-panel>` holds besides the store. */
export class CallView implements ReactiveController {
  private readonly callState: StoreController<CallState | undefined>;
  private readonly me: StoreController<{ id: string; name: string } | null>;

  // ---- pre-join ----
  /** The local preview (pre-join check), while shown. */
  private preview: MediaStream | null = null;
  /** Bumped for every preview request: a late answer for an older one is stopped at once. */
  private previewRequest = 0;
  /** The preview starts by itself on first showing, and again only when the user asks (after leaving). */
  private previewWanted = true;
  private devices: readonly CallDevice[] = [];
  private joining = false;

  // ---- in the call ----
  private devicesOpen = false;
  /** The failure shown with `role="alert"` until dismissed or replaced. */
  private problem: ShownError | null = null;
  /** Room and client the view is set up for. */
  private boundRoom = '';
  private boundClient: ParleyClient | undefined;
  /** The SDK's call of the bound room, once `client.call()` has answered. */
  private handle: Call | undefined;
  private unlisten: Array<() => void> = [];
  private listening = false;

  constructor(private readonly host: CallViewHost) {
    this.callState = new StoreController(host, () => host.activeClient, (s): CallState | undefined => s.calls[host.room]);
    this.me = new StoreController(host, () => host.activeClient, (s) => s.user);
    host.addController(this);
    adoptStyles(host.renderRoot as ShadowRoot, [tokens, styles]);
    host.requestUpdate();
  }

  private get text(): CallPanelStrings {
    return mergeStrings(callPanelStrings, this.host.strings);
  }

  /** The SDK's handle of the room's call, once loaded (see `CallPanel.call`). */
  get call(): Call | undefined {
    return this.handle;
  }

  /** The user's own media and devices: before joining, what the call will start with. */
  private get self(): CallState['self'] | undefined {
    return this.callState.value?.self;
  }

  private get micOn(): boolean {
    return !(this.self?.audio.muted ?? false);
  }

  private get cameraOn(): boolean {
    return !(this.self?.video.muted ?? false);
  }

  private get chosen(): Record<DeviceKind, string | null> {
    return this.self?.devices ?? { audioinput: null, videoinput: null };
  }

  private get status(): string {
    return this.callState.value?.status ?? 'idle';
  }

  private get inCall(): boolean {
    return IN_CALL.has(this.status);
  }

  // ---- lifecycle ----

  /** @internal Lit lifecycle. */
  hostConnected(): void {
    this.host.requestUpdate();
    navigator.mediaDevices?.addEventListener('devicechange', this.onDeviceChange);
    this.listening = true;
  }

  /** @internal Lit lifecycle: leaving the page leaves the call and frees the camera. */
  hostDisconnected(): void {
    if (this.listening) navigator.mediaDevices?.removeEventListener('devicechange', this.onDeviceChange);
    this.listening = false;
    this.unbind();
    this.previewWanted = true;
  }

  /** @internal Lit lifecycle: before each render, follow the client and room. */
  hostUpdate(): void {
    const host = this.host;
    const client = host.activeClient;
    if (client !== this.boundClient || host.room !== this.boundRoom) this.bind(client, host.room);
    if (!this.inCall && this.previewWanted && !this.preview && this.call) this.startPreview();
    if (this.inCall && this.preview) this.stopPreview();
  }

  /** Follows a new client or room: the old call is left, the old preview stopped. */
  private bind(client: ParleyClient | undefined, room: string): void {
    this.unbind();
    this.boundClient = client;
    this.boundRoom = room;
    this.callState.refresh();
    if (!client || !room) return;
    // The first call of a page loads the SDK's call code and mediasoup-client.
    client.call(room).then(
      (call) => {
        if (this.boundClient !== client || this.boundRoom !== room) return;
        this.handle = call;
        this.unlisten.push(
          call.on('warning', (warning) => this.fail(warning)),
          call.on('ended', ({ reason }) => {
            const t = this.text;
            if (reason === 'replaced') this.problem = { code: 'replaced', text: t.endedReplaced };
            else if (reason === 'removed') this.problem = { code: 'removed', text: t.endedRemoved };
            this.host.requestUpdate();
          }),
        );
        this.host.requestUpdate();
        void this.refreshDevices();
      },
      (error: unknown) => {
        if (this.boundClient === client && this.boundRoom === room) this.fail(error);
      },
    );
  }

  private unbind(): void {
    for (const off of this.unlisten.splice(0)) off();
    this.stopPreview();
    const call = this.handle;
    if (call && IN_CALL.has(call.state.status)) call.leave().catch(() => undefined);
    this.handle = undefined;
    this.boundClient = undefined;
    this.boundRoom = '';
    this.problem = null;
    this.devicesOpen = false;
    this.joining = false;
  }

  private readonly onDeviceChange = (): void => {
    void this.refreshDevices();
  };

  private async refreshDevices(): Promise<void> {
    const call = this.call;
    if (!call) return;
    try {
      const devices = await call.listDevices();
      if (call !== this.call) return;
      this.devices = devices;
      this.host.requestUpdate();
    } catch {
      // No device listing here (insecure origin, old browser): the selects keep "Default".
    }
  }

  // ---- pre-join ----

  private startPreview(): void {
    const call = this.call;
    if (!call) return;
    const request = ++this.previewRequest;
    this.preview = new MediaStream(); // a placeholder: one request at a time
    const audio = this.micOn ? (this.chosen.audioinput || true) : false;
    const video = this.cameraOn ? (this.chosen.videoinput || true) : false;
    if (!audio && !video) return;
    call.preview({ audio, video }).then(
      (stream) => {
        if (request !== this.previewRequest) {
          for (const track of stream.getTracks()) track.stop();
          return;
        }
        this.preview = stream;
        if (this.problem?.code === 'permission_denied' || this.problem?.code === 'no_device') this.problem = null;
        this.host.requestUpdate();
        void this.refreshDevices(); // labels appear once access was granted
      },
      (error: unknown) => {
        if (request !== this.previewRequest) return;
        this.problem = describeError(this.text, error);
        this.host.requestUpdate();
      },
    );
  }

  private stopPreview(): void {
    this.previewRequest++;
    for (const track of this.preview?.getTracks() ?? []) track.stop();
    this.preview = null;
  }

  /** A new choice on the pre-join screen: preview it. */
  private restartPreview(): void {
    this.stopPreview();
    this.previewWanted = true;
    this.host.requestUpdate();
  }

  /** A device picked in a select: switched at once in the call, previewed before it. */
  private chooseDevice(kind: DeviceKind, value: string): void {
    const call = this.call;
    const select = this.host.renderRoot.querySelector<HTMLSelectElement>(`[part~="device-select"][data-kind="${kind}"]`);
    if (!call || !this.host.dispatchEvent(new ParleyCallDeviceSelectEvent(this.host.room, kind, value || null))) {
      if (select) select.value = this.chosen[kind] ?? ''; // back to the device in use
      return;
    }
    // '' is the browser's default device.
    const done = call.selectDevice(kind, value);
    if (this.inCall) done.catch((error: unknown) => this.fail(error));
    else done.then(() => this.restartPreview(), (error: unknown) => this.fail(error));
  }

  /** The microphone or camera toggle before joining: what the call starts with, previewed. */
  private togglePrejoin(media: 'microphone' | 'camera'): void {
    const call = this.call;
    const on = media === 'microphone' ? !this.micOn : !this.cameraOn;
    if (!call || !this.host.dispatchEvent(new ParleyCallMediaToggleEvent(this.host.room, media, on))) return;
    const done = media === 'microphone' ? call.setMicrophone(on) : call.setCamera(on);
    done.then(() => this.restartPreview(), (error: unknown) => this.fail(error));
  }

  private async join(): Promise<void> {
    const call = this.call;
    if (!call || this.joining) return;
    const audio = this.micOn ? (this.chosen.audioinput || true) : false;
    const video = this.cameraOn ? (this.chosen.videoinput || true) : false;
    if (!this.host.dispatchEvent(new ParleyCallJoinEvent(this.host.room, audio, video))) return;
    // The call opens its own tracks: release the preview's first (some cameras allow one user).
    this.stopPreview();
    this.previewWanted = false;
    this.joining = true;
    this.problem = null;
    this.host.requestUpdate();
    try {
      await call.join({ audio, video });
      await this.host.updateComplete;
      this.focusPart('mic');
    } catch (error) {
      if (call === this.call) this.fail(error);
    } finally {
      this.joining = false;
      this.host.requestUpdate();
    }
  }

  // ---- in the call ----

  private toggle(media: CallPanelMedia): void {
    const call = this.call;
    const self = this.self;
    if (!call || !self) return;
    const on = media === 'microphone' ? self.audio.muted : media === 'camera' ? self.video.muted : !self.screen.track;
    if (!this.host.dispatchEvent(new ParleyCallMediaToggleEvent(this.host.room, media, on))) return;
    const done = media === 'microphone' ? call.setMicrophone(on) : media === 'camera' ? call.setCamera(on) : call.shareScreen(on);
    done.catch((error: unknown) => this.fail(error));
  }

  private async leave(): Promise<void> {
    const call = this.call;
    if (!call || !this.host.dispatchEvent(new ParleyCallLeaveEvent(this.host.room))) return;
    this.devicesOpen = false;
    try {
      await call.leave();
    } catch (error) {
      this.fail(error);
    }
    await this.host.updateComplete;
    this.focusPart('join');
  }

  private toggleDevices(): void {
    this.devicesOpen = !this.devicesOpen;
    this.host.requestUpdate();
    if (this.devicesOpen) {
      void this.refreshDevices();
      void this.host.updateComplete.then(() => this.host.renderRoot.querySelector<HTMLElement>('[part~="device-select"]')?.focus());
    }
  }

  private onKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Escape' || !this.devicesOpen) return;
    event.preventDefault();
    this.devicesOpen = false;
    this.host.requestUpdate();
    void this.host.updateComplete.then(() => this.focusPart('devices-toggle'));
  }

  private fail(error: unknown): void {
    this.problem = describeError(this.text, error);
    this.host.requestUpdate();
  }

  private focusPart(part: string): void {
    this.host.renderRoot.querySelector<HTMLElement>(`[part~="${part}"]`)?.focus();
  }

  // ---- rendering ----

  /** The element's whole content. */
  render(): TemplateResult {
    const t = this.text;
    const host = this.host;
    return html`<div part="base" @keydown=${(event: KeyboardEvent) => this.onKeydown(event)}>
      <section class="main" aria-label=${t.panelLabel}>
        ${!host.activeClient
          ? html`<p class="note">${host.ownClientError ? describeError(t, host.ownClientError).text : t.noClient}</p>`
          : !host.room
            ? html`<p class="note">${t.noRoom}</p>`
            : this.inCall
              ? this.renderCall(t)
              : this.handle
                ? this.renderPrejoin(t)
                : this.problem
                  ? this.renderProblem(t)
                  : html`<p class="note" role="status">${t.preparing}</p>`}
      </section>
      ${host.chat && host.room && host.activeClient
        ? html`<aside part="chat" aria-label=${t.chat}>
            <chat-room room=${host.room} .client=${host.activeClient}></chat-room>
          </aside>`
        : nothing}
    </div>`;
  }

  private renderProblem(t: CallPanelStrings): TemplateResult | typeof nothing {
    const state = this.callState.value;
    const shown = this.problem ?? (state?.status === 'failed' && state.error ? describeError(t, state.error) : null);
    if (!shown) return nothing;
    return html`<div part="error" role="alert" data-code=${shown.code}>
      <span>${shown.text}</span>
      ${this.problem
        ? html`<button
            type="button"
            @click=${() => {
              this.problem = null;
              this.host.requestUpdate();
            }}
          >
            ${t.dismiss}
          </button>`
        : nothing}
    </div>`;
  }

  private renderDeviceSelects(t: CallPanelStrings, selected: Record<DeviceKind, string | null>): TemplateResult {
    const select = (kind: DeviceKind, label: string): TemplateResult => {
      const devices = this.devices.filter((d) => d.kind === kind && d.deviceId !== 'default' && d.deviceId !== '');
      const current = selected[kind] ?? '';
      return html`<label>
        ${label}
        <select
          part="device-select"
          data-kind=${kind}
          .value=${current}
          @change=${(event: Event) => this.chooseDevice(kind, (event.target as HTMLSelectElement).value)}
        >
          <option value="" ?selected=${current === ''}>${t.defaultDevice}</option>
          ${devices.map(
            (d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === current}>${d.label || t.unnamedDevice(kind, i + 1)}</option>`,
          )}
        </select>
      </label>`;
    };
    return html`<div part="devices">${select('audioinput', t.microphoneDevice)} ${select('videoinput', t.cameraDevice)}</div>`;
  }

  private renderPrejoin(t: CallPanelStrings): TemplateResult {
    const video = this.cameraOn ? this.preview?.getVideoTracks()[0] : undefined;
    const left = this.status === 'left';
    return html`<div part="prejoin">
      <div class="preview-frame">
        <video
          part="preview"
          aria-label=${t.previewLabel}
          autoplay
          playsinline
          muted
          ?hidden=${!video}
          ${mediaSource(streamOf(video))}
        ></video>
        ${video ? nothing : html`<span class="preview-off">${this.cameraOn ? t.previewNone : t.previewOff}</span>`}
      </div>
      <div class="setup">
        <h2>${t.prejoinTitle}</h2>
        ${left ? html`<p class="note" role="status">${t.statusLeft}</p>` : nothing} ${this.renderProblem(t)}
        ${this.renderDeviceSelects(t, this.chosen)}
        <div class="row">
          ${this.mediaButton(t, 'mic', this.micOn, () => this.togglePrejoin('microphone'))}
          ${this.mediaButton(t, 'camera', this.cameraOn, () => this.togglePrejoin('camera'))}
        </div>
        <div class="row">
          <button part="join" type="button" ?disabled=${this.joining} @click=${() => void this.join()}>
            ${this.joining ? t.joining : t.join}
          </button>
        </div>
      </div>
    </div>`;
  }

  private mediaButton(t: CallPanelStrings, part: 'mic' | 'camera', on: boolean, action: () => void): TemplateResult {
    return html`<button part="control ${part}" type="button" aria-pressed=${on ? 'true' : 'false'} @click=${action}>
      ${icon(part, !on)}<span>${part === 'mic' ? t.microphone : t.camera}</span>
    </button>`;
  }

  private renderCall(t: CallPanelStrings): TemplateResult {
    const state = this.callState.value;
    if (!state) return html``;
    const self = state.self;
    const others = Object.values(state.participants);
    const views: TileView[] = [this.tileView(self, true, state), ...others.map((p) => this.tileView(p, false, state))];
    const screens = views.filter((v) => v.participant.screen.track);
    const status =
      state.status === 'joining'
        ? t.statusJoining
        : state.status === 'reconnecting'
          ? t.statusReconnecting
          : others.length === 0
            ? t.waitingForOthers
            : t.participantCount(views.length);
    return html`<p part="status" role="status">${status}</p>
      ${this.renderProblem(t)}
      <div part="stage" ?data-screen=${screens.length > 0}>
        ${repeat(
          screens,
          (v) => v.participant.id,
          (v) => renderScreen(t, v),
        )}
        <ul part="grid" aria-label=${t.participantsLabel}>
          ${repeat(
            views,
            (v) => v.participant.id,
            (v) => renderTile(t, v),
          )}
        </ul>
      </div>
      ${this.devicesOpen
        ? html`<div class="device-panel" role="group" aria-label=${t.devicesTitle}>
            <h3>${t.devicesTitle}</h3>
            ${this.renderDeviceSelects(t, self.devices)}
          </div>`
        : nothing}
      ${this.renderControls(t, state)}`;
  }

  private tileView(participant: CallParticipant, self: boolean, state: CallState): TileView {
    const fallback = self ? (this.me.value?.name ?? '') : '';
    return {
      participant,
      self,
      name: participant.name || fallback || participant.id,
      activeSpeaker: state.activeSpeaker === participant.id,
    };
  }

  private renderControls(t: CallPanelStrings, state: CallState): TemplateResult {
    const self = state.self;
    const sharing = Boolean(self.screen.track);
    const host = this.host;
    return html`<div part="controls">
      ${self.canProduce
        ? html`${this.mediaButton(t, 'mic', !self.audio.muted, () => this.toggle('microphone'))}
          ${this.mediaButton(t, 'camera', !self.video.muted, () => this.toggle('camera'))}
          <button part="control screen-toggle" type="button" aria-pressed=${sharing ? 'true' : 'false'} @click=${() => this.toggle('screen')}>
            ${icon('screen')}<span>${t.shareScreen}</span>
          </button>
          <button
            part="control devices-toggle"
            type="button"
            aria-expanded=${this.devicesOpen ? 'true' : 'false'}
            @click=${() => this.toggleDevices()}
          >
            ${icon('devices')}<span>${t.devices}</span>
          </button>`
        : html`<span class="note">${t.listenOnly}</span>`}
      <button
        part="control chat-toggle"
        type="button"
        aria-pressed=${host.chat ? 'true' : 'false'}
        @click=${() => {
          host.chat = !host.chat;
        }}
      >
        ${icon('chat')}<span>${t.chat}</span>
      </button>
      <button part="control leave" type="button" @click=${() => void this.leave()}>${icon('leave')}<span>${t.leave}</span></button>
    </div>`;
  }
}
