/** The `Call` of each room for one client, and the routing of server events, connection and network changes to them. */
import type { EventFrame } from '../protocol/frames.js';
import type { CallEventFrame } from '../protocol/calls.js';
import { browserNetworkMonitor } from '../transport/platform.js';
import { Call } from './call.js';
import type { CallHost } from './call-host.js';

/** See the module comment. */
export class CallRegistry {
  private readonly calls = new Map<string, Call>();

  /** @internal Created by the client on the first `client.call()`. */
  constructor(private readonly host: CallHost) {
    host.onEvent((frame) => {
      if (isCallEvent(frame)) this.calls.get(frame.room)?.handle(frame);
    });
    host.store.subscribe(
      (s) => s.connection,
      (status) => {
        for (const call of this.calls.values()) call.connectionChanged(status);
      },
    );
    browserNetworkMonitor()?.onOnline(() => {
      for (const call of this.calls.values()) call.networkChanged();
    });
  }

  /** The call of `room` (the same object for the same room). */
  get(room: string): Call {
    let call = this.calls.get(room);
    if (!call) this.calls.set(room, (call = new Call(room, this.host)));
    return call;
  }
}

function isCallEvent(frame: EventFrame): frame is CallEventFrame {
  return frame.type.startsWith('call.');
}
