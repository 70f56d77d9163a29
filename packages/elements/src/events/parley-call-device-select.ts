/**
 * `parley-call-device-select`: the user picked a microphone or camera in a
 * `<call-panel>` (on the pre-join screen or in the call). Cancel it to keep
 * the current device. Bubbles and crosses shadow roots.
 */
export class ParleyCallDeviceSelectEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-call-device-select';
  /** The room id. */
  readonly room: string;
  /** Which kind of device. */
  readonly kind: 'audioinput' | 'videoinput';
  /** The chosen `deviceId`, or null for the browser's default. */
  readonly deviceId: string | null;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string, kind: 'audioinput' | 'videoinput', deviceId: string | null) {
    super(ParleyCallDeviceSelectEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
    this.kind = kind;
    this.deviceId = deviceId;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-call-device-select': ParleyCallDeviceSelectEvent;
  }
}
