/**
 * The participant tiles and shared screens of `<call-panel>`: pure rendering
 * of the call state. Names are text nodes, never HTML.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { CallParticipant } from '@parley/sdk';
import type { CallPanelStrings } from './call-panel.strings.js';
import { icon } from './icons.js';
import { mediaSource, streamOf } from './media.js';

/** How a participant appears on the stage. */
export interface TileView {
  participant: CallParticipant;
  /** The display name (the id when the participant has none). */
  name: string;
  /** This is the signed-in user (mirrored video, no audio playback). */
  self: boolean;
  /** The loudest participant now. */
  activeSpeaker: boolean;
}

/** First letter of a name, for the avatar shown while the camera is off. */
function initial(name: string): string {
  return [...name.trim()][0]?.toUpperCase() ?? '?';
}

/**
 * One participant: their camera (or an initial while it is off), name, mute
 * indicators, connection quality, and for others their audio.
 */
export function renderTile(t: CallPanelStrings, view: TileView): TemplateResult {
  const { participant: p, name, self, activeSpeaker } = view;
  const videoTrack = p.video.muted ? undefined : p.video.track;
  const label = self ? t.you(name) : name;
  const quality = self || p.quality === 'good' ? null : p.quality === 'poor' ? t.qualityPoor : t.qualityLost;
  return html`<li
    part="tile"
    data-user=${p.id}
    ?data-self=${self}
    ?data-audio-muted=${p.audio.muted}
    ?data-video-muted=${!videoTrack}
    ?data-speaking=${p.speaking}
    ?data-active-speaker=${activeSpeaker}
    data-quality=${p.quality}
  >
    <video part="video" autoplay playsinline muted ?hidden=${!videoTrack} ${mediaSource(streamOf(videoTrack))}></video>
    ${videoTrack ? nothing : html`<span part="avatar" aria-hidden="true">${initial(name)}</span>`}
    ${self ? nothing : html`<audio autoplay ${mediaSource(streamOf(p.audio.track))}></audio>`}
    <span class="label">
      <span part="name">${label}</span>
      ${p.audio.muted
        ? html`<span part="muted" data-kind="audio" title=${t.microphoneOff}>${icon('mic', true)}<span class="sr-only">${t.microphoneOff}</span></span>`
        : nothing}
      ${!videoTrack ? html`<span class="sr-only">${t.cameraOff}</span>` : nothing}
      ${activeSpeaker ? html`<span class="sr-only">${t.speaking}</span>` : nothing}
    </span>
    ${quality ? html`<span part="quality">${quality}</span>` : nothing}
  </li>`;
}

/** A shared screen, shown large above the tiles. */
export function renderScreen(t: CallPanelStrings, view: TileView): TemplateResult | typeof nothing {
  const track = view.participant.screen.track;
  if (!track) return nothing;
  const label = t.screenOf(view.self ? t.you(view.name) : view.name);
  return html`<figure part="screen" data-user=${view.participant.id} aria-label=${label}>
    <video part="video" autoplay playsinline muted ${mediaSource(streamOf(track))}></video>
    <figcaption class="label"><span part="name">${label}</span></figcaption>
  </figure>`;
}
