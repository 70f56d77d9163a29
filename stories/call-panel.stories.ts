/**
 * `<call-panel>` in each of its states. Stories have no server, so the panel
 * gets a stand-in client whose call keeps its state the way the SDK's `Call`
 * does (`state.calls[room]`), with fake media: every camera and screen is a
 * canvas `captureStream()` track painted with the person's name. The
 * controls work: toggles change the state, Join and Leave move between the
 * screens.
 */
import { html } from 'lit';
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { ParleyError } from '@parley/sdk';
import type { CallDevice, CallParticipant, CallSelf, CallState, CallStatus, ParleyClient } from '@parley/sdk';
import { shows, textOf } from './support/shows.js';

// ---- fake media ----

/** Painters of the story on screen; stopped when the next story renders. */
const painters = new Set<() => void>();

function stopFakeMedia(): void {
  for (const stop of painters) stop();
  painters.clear();
}

/** A live video track: `label` on a coloured canvas, with a moving bar so it visibly plays. */
function fakeVideo(label: string, color: string, width = 640, height = 360): MediaStreamTrack {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  const track = canvas.captureStream(10).getVideoTracks()[0];
  if (!g || !track) throw new Error('this browser cannot capture a canvas');
  let frame = 0;
  const paint = (): void => {
    g.fillStyle = color;
    g.fillRect(0, 0, width, height);
    g.fillStyle = 'rgb(255 255 255 / 0.85)';
    g.font = `600 ${Math.round(height / 6)}px system-ui, sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(label, width / 2, height / 2);
    g.fillRect(((frame * 8) % (width + 80)) - 80, height - 16, 80, 8);
    frame++;
  };
  paint();
  const timer = setInterval(paint, 100);
  painters.add(() => {
    clearInterval(timer);
    track.stop();
  });
  return track;
}

// ---- a stand-in for the SDK's Call and client ----

interface Person {
  id: string;
  name: string;
  color: string;
  micOff?: boolean;
  cameraOff?: boolean;
  sharing?: boolean;
  quality?: CallParticipant['quality'];
}

interface FakeCallOptions {
  status?: CallStatus;
  others?: Person[];
  activeSpeaker?: string | null;
  micOff?: boolean;
  cameraOff?: boolean;
  selfSharing?: boolean;
  /** The call's error (with status `failed`). */
  error?: ParleyError;
  /** `join()` fails with this. */
  joinError?: ParleyError;
  /** `preview()` fails with this. */
  previewError?: ParleyError;
  canProduce?: boolean;
}

const ROOM = 'design';
const ME = { id: 'ada', name: 'Ada Lovelace' };
const DEVICES: CallDevice[] = [
  { deviceId: 'mic-desk', kind: 'audioinput', label: 'Desk microphone' },
  { deviceId: 'mic-headset', kind: 'audioinput', label: 'Headset' },
  { deviceId: 'cam-built-in', kind: 'videoinput', label: 'Built-in camera' },
  { deviceId: 'cam-studio', kind: 'videoinput', label: 'Studio camera' },
];

type FakeState = { user: typeof ME; connection: 'online'; calls: Record<string, CallState> };
type Subscriber = { select: (s: FakeState) => unknown; listener: (value: unknown, previous: unknown) => void; last: unknown };

/** The part of the client store the panel reads. */
class FakeStore {
  private subscribers = new Set<Subscriber>();
  constructor(private state: FakeState) {}

  getState(): FakeState {
    return this.state;
  }

  subscribe(select: Subscriber['select'], listener: Subscriber['listener']): () => void {
    const entry = { select, listener, last: select(this.state) };
    this.subscribers.add(entry);
    return () => this.subscribers.delete(entry);
  }

  setCall(call: CallState): void {
    this.state = { ...this.state, calls: { ...this.state.calls, [call.room]: call } };
    for (const s of [...this.subscribers]) {
      const value = s.select(this.state);
      if (!Object.is(value, s.last)) {
        const previous = s.last;
        s.last = value;
        s.listener(value, previous);
      }
    }
  }
}

/** What `<call-panel>` uses of the SDK's `Call`, acting on the fake state. */
class FakeCall {
  readonly room = ROOM;
  private readonly camera: MediaStreamTrack;
  private readonly screen = () => fakeVideo('Slides: Q3 roadmap', '#1f2a44', 1280, 720);

  constructor(
    private readonly store: FakeStore,
    private readonly options: FakeCallOptions,
  ) {
    this.camera = fakeVideo(ME.name, '#2f5bd3');
    const others: Record<string, CallParticipant> = {};
    for (const person of options.others ?? []) others[person.id] = participant(person);
    const self: CallSelf = {
      ...participant({ ...ME, color: '#2f5bd3', micOff: options.micOff, cameraOff: true, sharing: options.selfSharing }),
      video: options.cameraOff ? { muted: true } : { muted: false, track: this.camera },
      devices: { audioinput: null, videoinput: null },
      canProduce: options.canProduce ?? true,
    };
    store.setCall({
      room: ROOM,
      status: options.status ?? 'idle',
      participants: others,
      self,
      activeSpeaker: options.activeSpeaker ?? null,
      error: options.error ?? null,
    });
  }

  get state(): CallState {
    const state = this.store.getState().calls[ROOM];
    if (!state) throw new Error('no call state');
    return state;
  }

  private update(change: Partial<CallState>, self: Partial<CallSelf> = {}): void {
    this.store.setCall({ ...this.state, ...change, self: { ...this.state.self, ...self } });
  }

  on(): () => void {
    return () => undefined;
  }

  listDevices(): Promise<CallDevice[]> {
    return Promise.resolve(DEVICES);
  }

  preview(): Promise<MediaStream> {
    if (this.options.previewError) return Promise.reject(this.options.previewError);
    return Promise.resolve(new MediaStream([fakeVideo(ME.name, '#2f5bd3')]));
  }

  join(): Promise<void> {
    const error = this.options.joinError;
    if (error) {
      this.update({ status: 'failed', error });
      return Promise.reject(error);
    }
    this.update({ status: 'joined', error: null });
    return Promise.resolve();
  }

  leave(): Promise<void> {
    this.update({ status: 'left', participants: {}, activeSpeaker: null });
    return Promise.resolve();
  }

  setMicrophone(on: boolean): Promise<void> {
    this.update({}, { audio: { muted: !on } });
    return Promise.resolve();
  }

  setCamera(on: boolean): Promise<void> {
    this.update({}, { video: on ? { muted: false, track: this.camera } : { muted: true } });
    return Promise.resolve();
  }

  shareScreen(on: boolean): Promise<void> {
    this.update({}, { screen: on ? { track: this.screen() } : {} });
    return Promise.resolve();
  }

  selectDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    this.update({}, { devices: { ...this.state.self.devices, [kind]: deviceId || null } });
    return Promise.resolve();
  }

  stats(): Promise<Record<string, never>> {
    return Promise.resolve({});
  }
}

function participant(person: Person): CallParticipant {
  return {
    id: person.id,
    name: person.name,
    audio: { muted: person.micOff ?? false },
    video: person.cameraOff ? { muted: true } : { muted: false, track: fakeVideo(person.name, person.color) },
    screen: person.sharing ? { track: fakeVideo(`${person.name}'s slides`, '#1f2a44', 1280, 720) } : {},
    speaking: false,
    quality: person.quality ?? 'good',
  };
}

/** A client with only what `<call-panel>` reads: the store and `call(room)`. */
function fakeClient(options: FakeCallOptions): ParleyClient {
  stopFakeMedia();
  const store = new FakeStore({ user: ME, connection: 'online', calls: {} });
  const call = new FakeCall(store, options);
  return { store, state: store.getState(), call: () => Promise.resolve(call) } as unknown as ParleyClient;
}

const GRACE: Person = { id: 'grace', name: 'Grace Hopper', color: '#8a3ffc' };
const LINUS: Person = { id: 'linus', name: 'Linus', color: '#0f7b6c' };

// ---- stories ----

interface Args {
  call: FakeCallOptions;
  theme?: 'light' | 'dark';
}

const meta: Meta<Args> = {
  title: 'Elements/call-panel',
  component: 'call-panel',
  argTypes: { call: { control: false } },
  render: ({ call, theme }) =>
    html`<call-panel room=${ROOM} theme=${theme ?? 'light'} style="height:560px;max-width:960px;" .client=${fakeClient(call)}></call-panel>`,
};
export default meta;

type Story = StoryObj<Args>;
const TAG = 'call-panel';

/** A `<video>` that is shown and has a stream. */
function showsVideo(video: Element | null | undefined): boolean {
  return video instanceof HTMLVideoElement && !video.hidden && video.srcObject instanceof MediaStream;
}

/** Before joining: the camera preview, device choice, microphone and camera toggles, Join. */
export const PreJoin: Story = {
  args: { call: {} },
  play: ({ canvasElement }) =>
    shows(
      canvasElement,
      TAG,
      'the camera preview, the device selects and the join button',
      (root) =>
        showsVideo(root.querySelector('[part~="preview"]')) &&
        root.querySelectorAll('[part~="device-select"] option').length === 6 &&
        root.querySelector('[part~="join"]') !== null,
    ),
};

/** In a call with two others; Grace is speaking. */
export const InCall: Story = {
  args: { call: { status: 'joined', others: [GRACE, LINUS], activeSpeaker: 'grace' } },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'three tiles with video and the speaker outlined', (root) => {
      const tiles = [...root.querySelectorAll('[part~="tile"]')];
      return (
        tiles.length === 3 &&
        tiles.every((tile) => showsVideo(tile.querySelector('video'))) &&
        root.querySelector('[part~="tile"][data-active-speaker]')?.getAttribute('data-user') === 'grace'
      );
    }),
};

/** Grace shares her screen: it is shown large above the tiles. */
export const ScreenShare: Story = {
  args: { call: { status: 'joined', others: [{ ...GRACE, sharing: true }, LINUS], activeSpeaker: 'grace' } },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, "Grace's screen above the tiles", (root) =>
      showsVideo(root.querySelector('[part~="screen"][data-user="grace"] video')),
    ),
};

/** Your microphone is off; Linus has his microphone and camera off and a poor connection. */
export const Muted: Story = {
  args: {
    call: { status: 'joined', micOff: true, others: [GRACE, { ...LINUS, micOff: true, cameraOff: true, quality: 'poor' }] },
  },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'mute indicators and the off microphone toggle', (root) => {
      const linus = root.querySelector('[part~="tile"][data-user="linus"]');
      return (
        root.querySelector('[part~="mic"]')?.getAttribute('aria-pressed') === 'false' &&
        root.querySelector('[part~="tile"][data-self] [part~="muted"]') !== null &&
        linus?.querySelector('[part~="muted"]') !== null &&
        linus?.querySelector('[part="avatar"]') !== null &&
        textOf(linus).includes('Poor connection')
      );
    }),
};

/** The same call in the dark theme. */
export const Dark: Story = {
  args: { call: { status: 'joined', others: [GRACE, LINUS], activeSpeaker: 'linus' }, theme: 'dark' },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'the call in the dark theme', (root) => root.querySelectorAll('[part~="tile"]').length === 3),
};

/** A member of a broadcast room: no microphone or camera controls. */
export const ListenOnly: Story = {
  args: { call: { status: 'joined', canProduce: false, micOff: true, cameraOff: true, others: [{ ...GRACE, sharing: true }] } },
  play: ({ canvasElement }) =>
    shows(
      canvasElement,
      TAG,
      'the listen-only note instead of media toggles',
      (root) => textOf(root).includes('You can watch and listen') && root.querySelector('[part~="mic"]') === null,
    ),
};

/** The call already has the most participants the server allows. */
export const CallFull: Story = {
  args: { call: { status: 'failed', error: new ParleyError('call_full', 'the call is full') } },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'the "call is full" alert', (root) => textOf(root.querySelector('[role="alert"]')).includes('This call is full.')),
};

/** The browser refused the camera and microphone: the pre-join check says so. */
export const PermissionDenied: Story = {
  args: { call: { previewError: new ParleyError('permission_denied', 'access to the camera was denied') } },
  play: ({ canvasElement }) =>
    shows(canvasElement, TAG, 'the permission alert', (root) =>
      textOf(root.querySelector('[role="alert"]')).includes('did not allow access to your camera or microphone'),
    ),
};

/** Calls are off on this server (no media worker). */
export const Unavailable: Story = {
  args: { call: { joinError: new ParleyError('call_unavailable', 'calls are not available on this server') } },
  play: async ({ canvasElement }) => {
    await shows(canvasElement, TAG, 'the join button', (root) => root.querySelector('[part~="join"]') !== null);
    canvasElement.querySelector(TAG)?.shadowRoot?.querySelector<HTMLElement>('[part~="join"]')?.click();
    await shows(canvasElement, TAG, 'the "not available" alert', (root) =>
      textOf(root.querySelector('[role="alert"]')).includes('Calls are not available on this server'),
    );
  },
};
