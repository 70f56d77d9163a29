/** What a `<call-panel>` media toggle switches. */
export type CallPanelMedia = 'microphone' | 'camera' | 'screen';

/**
 * `parley-call-media-toggle`: the user turned the microphone, the camera or
 * screen sharing on or off in a `<call-panel>`. Cancel it to keep the current
 * state. Bubbles and crosses shadow roots.
 */
export class ParleyCallMediaToggleEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-call-media-toggle';
  /** The room id. */
  readonly room: string;
  /** Which medium. */
  readonly media: CallPanelMedia;
  /** True when it is being turned on. */
  readonly on: boolean;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string, media: CallPanelMedia, on: boolean) {
    super(ParleyCallMediaToggleEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
    this.media = media;
    this.on = on;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-call-media-toggle': ParleyCallMediaToggleEvent;
  }
}
