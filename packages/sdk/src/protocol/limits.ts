/** Limits a server enforces; it announces its own values in the `welcome` frame. */
export interface Limits {
  /** Largest frame answered with a typed `frame_too_large` error (bytes). */
  maxFrameBytes: number;
  /** Largest frame the socket accepts at all; larger closes with 1009 (bytes). */
  hardMaxFrameBytes: number;
  /** Longest message text, in UTF-16 code units (JavaScript string length). */
  maxTextLength: number;
  /** Largest attachment upload (bytes). */
  maxAttachmentBytes: number;
  /** Attachments per message. */
  maxAttachmentsPerMessage: number;
  /** Content types accepted for attachments (`image/*` style wildcards allowed). */
  attachmentTypes: string[];
  /** Sustained frames per second per connection, and the burst allowed. */
  connectionRate: { perSecond: number; burst: number };
  /** Sustained frames per second per user across connections, and the burst. */
  userRate: { perSecond: number; burst: number };
  /** Searches per second per user across connections, and the burst (a search costs far more than a frame). */
  searchRate: { perSecond: number; burst: number };
  /**
   * Bytes per second of the events one user's changes send to rooms
   * (`message`, `message.updated`), counted once per event as encoded on the
   * wire, across the user's connections; and the burst.
   */
  userByteRate: { perSecond: number; burst: number };
  /** The same for everything sent to one room, whoever sends it. */
  roomByteRate: { perSecond: number; burst: number };
  /** Open connections per user. */
  maxConnectionsPerUser: number;
  /** Bytes queued for a socket before it is closed as a slow consumer. */
  maxBufferedBytes: number;
  /** Messages returned by one history, thread, search or sync page. */
  maxPageSize: number;
  /** Members in a group room. */
  maxRoomMembers: number;
  /** Largest binary message on a workspace (y-websocket) socket, i.e. one document update (bytes). */
  maxWorkspaceMessageBytes: number;
  /** Largest awareness message (cursor, selection, user) on a workspace socket (bytes). */
  maxAwarenessBytes: number;
  /** Largest workspace document, measured as its encoded Yjs state (bytes). */
  maxWorkspaceBytes: number;
  /** Participants in one call. */
  maxCallParticipants: number;
  /** Producers one call participant may have at once (microphone, camera, screen). */
  maxCallProducersPerParticipant: number;
}

/** The defaults a server uses when not configured otherwise. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 64 * 1024,
  hardMaxFrameBytes: 1024 * 1024,
  maxTextLength: 4000,
  maxAttachmentBytes: 10 * 1024 * 1024,
  maxAttachmentsPerMessage: 10,
  attachmentTypes: [
    'image/png',
    'image/jpeg',
    'image/gif',
    'image/webp',
    'application/pdf',
    'text/plain',
    'application/zip',
    'audio/mpeg',
    'audio/ogg',
    'video/mp4',
    'video/webm',
  ],
  connectionRate: { perSecond: 100, burst: 1000 },
  userRate: { perSecond: 200, burst: 2000 },
  searchRate: { perSecond: 2, burst: 10 },
  userByteRate: { perSecond: 64 * 1024, burst: 512 * 1024 },
  roomByteRate: { perSecond: 256 * 1024, burst: 1024 * 1024 },
  maxConnectionsPerUser: 20,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxPageSize: 200,
  maxRoomMembers: 10_000,
  maxWorkspaceMessageBytes: 1024 * 1024,
  maxAwarenessBytes: 64 * 1024,
  maxWorkspaceBytes: 16 * 1024 * 1024,
  maxCallParticipants: 16,
  maxCallProducersPerParticipant: 3,
});

/** Timings shared by both sides (milliseconds). */
export const Timing = {
  /** The client sends a `ping` this often; it doubles as presence heartbeat. */
  heartbeatMs: 25_000,
  /** A user with no heartbeat for this long is shown offline. */
  presenceTimeoutMs: 60_000,
  /** A typing indicator expires this long after its last refresh. */
  typingTtlMs: 3_000,
  /** The server closes a socket that has not authenticated by then. */
  authTimeoutMs: 10_000,
} as const;

/**
 * Bounds of what a host's backend stores through the admin API: custom JSON
 * (`data` on users, rooms and messages) and avatar URLs. Fixed, not
 * configurable, so every client can rely on them.
 */
export const CUSTOM_DATA_LIMITS = Object.freeze({
  /** Largest `data` value, as UTF-8 bytes of its JSON text. */
  maxDataBytes: 4096,
  /** Deepest nesting of objects and arrays in `data` (a scalar is depth 0). */
  maxDataDepth: 8,
  /** Longest `avatarUrl` (characters); only `https:` and `http:` URLs. */
  maxAvatarUrlLength: 2048,
});
