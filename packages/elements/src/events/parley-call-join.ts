/**
 * `parley-call-join`: the user pressed "Join call" in a `<call-panel>`.
 * Cancel it to keep the user on the pre-join screen (for example to ask
 * something first). Bubbles and crosses shadow roots.
 */
export class ParleyCallJoinEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-call-join';
  /** The room id. */
  readonly room: string;
  /** The microphone to start with: false (off), true (default device) or a `deviceId`. */
  readonly audio: boolean | string;
  /** The camera to start with: false (off), true (default device) or a `deviceId`. */
  readonly video: boolean | string;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string, audio: boolean | string, video: boolean | string) {
    super(ParleyCallJoinEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
    this.audio = audio;
    this.video = video;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-call-join': ParleyCallJoinEvent;
  }
}
