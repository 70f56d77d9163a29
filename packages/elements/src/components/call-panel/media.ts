/**
 * Media elements need a `MediaStream`, the call's store holds tracks. One
 * stream per track, kept as long as the track lives, so a re-render hands a
 * `<video>` the same object and playback never restarts.
 */
import { nothing } from 'lit';
import type { ElementPart } from 'lit';
import { Directive, directive, PartType } from 'lit/directive.js';
import type { DirectiveResult, PartInfo } from 'lit/directive.js';

const streams = new WeakMap<MediaStreamTrack, MediaStream>();

/** The stream that carries `track` alone (null without a track). */
export function streamOf(track: MediaStreamTrack | undefined | null): MediaStream | null {
  if (!track) return null;
  let stream = streams.get(track);
  if (!stream) streams.set(track, (stream = new MediaStream([track])));
  return stream;
}

/**
 * Starts playback of a media element whose source changed. `autoplay` covers
 * most cases; an explicit `play()` also starts an element that was paused by
 * an earlier source swap. A refusal (no user gesture yet) is left to the next
 * gesture: the Join click normally grants it.
 */
export function play(element: HTMLMediaElement): void {
  if (element.srcObject && element.paused) element.play().catch(() => undefined);
}

/**
 * `<video ${mediaSource(stream)}>`: sets the element's `srcObject` when the
 * stream changed and makes sure it plays.
 */
class MediaSourceDirective extends Directive {
  constructor(info: PartInfo) {
    super(info);
    if (info.type !== PartType.ELEMENT) throw new Error('mediaSource() belongs on a <video> or <audio> element');
  }

  override render(_stream: MediaStream | null): typeof nothing {
    return nothing;
  }

  override update(part: ElementPart, [stream]: [MediaStream | null]): typeof nothing {
    const element = part.element as HTMLMediaElement;
    if (element.srcObject !== stream) element.srcObject = stream;
    play(element);
    return nothing;
  }
}

// Typed through lit's own entry: the inferred type would name lit-html, which the package does not depend on.
/** Binds a `MediaStream` (or null) to a `<video>` or `<audio>` element. */
export const mediaSource: (stream: MediaStream | null) => DirectiveResult<typeof MediaSourceDirective> = directive(MediaSourceDirective);
