import type { ErrorStrings } from '../../base/error-strings.js';

/**
 * Every user-visible string of `<room-list>`. The element takes a `strings`
 * property (a partial override merged over these defaults). Functions receive
 * already-formatted values, so a translation can reorder them.
 * The failures every element shows are {@link ErrorStrings}, overridable here
 * too; their defaults are `errorStrings`.
 */
export interface RoomListStrings extends Partial<ErrorStrings> {
  title: string;
  listLabel: string;
  empty: string;
  loading: string;
  unnamedRoom: string;
  unread: (count: number, formatted: string) => string;
  lastActivity: (when: string) => string;
  presenceOnline: string;
  presenceAway: string;
  presenceOffline: string;
  newRoom: string;
  createTitle: string;
  roomName: string;
  roomKind: string;
  kindGroup: string;
  kindPublic: string;
  create: string;
  cancel: string;
  browse: string;
  browseTitle: string;
  searchLabel: string;
  searchPlaceholder: string;
  search: string;
  noResults: string;
  join: string;
  joinRoom: (name: string) => string;
  members: (count: number, formatted: string) => string;
  working: string;
  failed: (message: string) => string;
}

/** English defaults for `<room-list>`. */
export const roomListStrings: RoomListStrings = {
  title: 'Rooms',
  listLabel: 'Your rooms',
  empty: 'No rooms yet. Create one or browse public rooms.',
  loading: 'Loading rooms…',
  unnamedRoom: 'Untitled room',
  unread: (count, formatted) => (count === 1 ? '1 unread message' : `${formatted} unread messages`),
  lastActivity: (when) => `last activity ${when}`,
  presenceOnline: 'online',
  presenceAway: 'away',
  presenceOffline: 'offline',
  newRoom: 'New room',
  createTitle: 'Create a room',
  roomName: 'Room name',
  roomKind: 'Who can join',
  kindGroup: 'Group (invited members)',
  kindPublic: 'Public (anyone can find and join)',
  create: 'Create',
  cancel: 'Cancel',
  browse: 'Browse public rooms',
  browseTitle: 'Public rooms',
  searchLabel: 'Search public rooms',
  searchPlaceholder: 'Room name',
  search: 'Search',
  noResults: 'No public rooms found.',
  join: 'Join',
  joinRoom: (name) => `Join ${name}`,
  members: (count, formatted) => (count === 1 ? '1 member' : `${formatted} members`),
  working: 'Working…',
  failed: (message) => `That did not work: ${message}`,
};
