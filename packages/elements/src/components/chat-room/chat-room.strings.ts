import type { ErrorStrings } from '../../base/error-strings.js';

/**
 * Every user-visible string of `<chat-room>`. The element takes a `strings`
 * property (a partial override merged over these defaults).
 * Functions receive already-formatted values, so a translation can reorder them.
 * The failures every element shows (`errorUnreachable`, `errorNotMember`…)
 * are {@link ErrorStrings}, overridable here too; their defaults are `errorStrings`.
 */
export interface ChatRoomStrings extends Partial<ErrorStrings> {
  roomLabel: string;
  messagesLabel: string;
  loading: string;
  loadingOlder: string;
  empty: string;
  historyStart: string;
  newMessages: string;
  jumpToLatest: string;
  /** The jump button when messages arrived out of view. */
  jumpToLatestCount: (count: number, formatted: string) => string;
  inputLabel: string;
  inputPlaceholder: string;
  threadInputLabel: string;
  threadInputPlaceholder: string;
  /** Label of the `@` completion list. */
  mentionSuggestions: string;
  /** A message over the server's length limit was not sent. */
  tooLong: (max: number, formatted: string) => string;
  send: string;
  attach: string;
  uploading: string;
  /** The upload in progress, e.g. "Uploading photo.png… 42%" (`percent` is already formatted). */
  uploadProgress: (name: string, percent: string) => string;
  cancelUpload: string;
  removeAttachment: (name: string) => string;
  uploadFailed: (name: string) => string;
  reply: string;
  replyingTo: (name: string) => string;
  cancelReply: string;
  editing: string;
  cancelEdit: string;
  save: string;
  edit: string;
  delete: string;
  confirmDelete: string;
  cancel: string;
  deleted: string;
  edited: string;
  react: string;
  reactWith: (emoji: string) => string;
  reactedBy: (emoji: string, names: string) => string;
  thread: string;
  replies: (count: number) => string;
  openThread: (count: number) => string;
  closeThread: string;
  threadTitle: string;
  threadEmpty: string;
  retry: string;
  discard: string;
  statusPending: string;
  statusSent: string;
  statusDelivered: string;
  statusRead: string;
  statusFailed: string;
  failedReason: (message: string) => string;
  typingOne: (name: string) => string;
  typingTwo: (a: string, b: string) => string;
  typingMany: (count: number) => string;
  offline: (pending: number, formatted: string) => string;
  /** After a failure the client retries by itself (server unreachable, busy): changes still waiting. */
  waiting: (pending: number, formatted: string) => string;
  /** Header of a group room: members online now. */
  onlineCount: (count: number, formatted: string) => string;
  presenceOnline: string;
  presenceAway: string;
  presenceOffline: string;
  connecting: string;
  connectionFailed: string;
  gap: (count: number) => string;
  you: string;
  attachment: (name: string) => string;
  systemCreated: (actor: string) => string;
  systemJoined: (actor: string) => string;
  systemLeft: (actor: string) => string;
  systemInvited: (actor: string, target: string) => string;
  systemKicked: (actor: string, target: string) => string;
  systemBanned: (actor: string, target: string) => string;
  systemRenamed: (actor: string, name: string) => string;
  noClient: string;
}

const waiting = (pending: number, formatted: string): string =>
  `${formatted} ${pending === 1 ? 'change is' : 'changes are'} waiting to be sent.`;

/** English defaults for `<chat-room>`. */
export const chatRoomStrings: ChatRoomStrings = {
  roomLabel: 'Chat room',
  messagesLabel: 'Messages',
  loading: 'Loading messages…',
  loadingOlder: 'Loading older messages…',
  empty: 'No messages yet. Say hello!',
  historyStart: 'This is the beginning of the conversation.',
  newMessages: 'New messages',
  jumpToLatest: 'Jump to latest',
  jumpToLatestCount: (_count, formatted) => `Jump to latest (${formatted} new)`,
  inputLabel: 'Message',
  inputPlaceholder: 'Write a message…',
  threadInputLabel: 'Reply in thread',
  threadInputPlaceholder: 'Reply…',
  mentionSuggestions: 'Members',
  tooLong: (_max, formatted) => `Not sent: messages are limited to ${formatted} characters.`,
  send: 'Send',
  attach: 'Attach a file',
  uploading: 'Uploading…',
  uploadProgress: (name, percent) => `Uploading ${name}… ${percent}`,
  cancelUpload: 'Cancel upload',
  removeAttachment: (name) => `Remove ${name}`,
  uploadFailed: (name) => `Could not upload ${name}`,
  reply: 'Reply',
  replyingTo: (name) => `Replying to ${name}`,
  cancelReply: 'Cancel reply',
  editing: 'Editing message',
  cancelEdit: 'Cancel edit',
  save: 'Save',
  edit: 'Edit',
  delete: 'Delete',
  confirmDelete: 'Delete this message?',
  cancel: 'Cancel',
  deleted: 'Message deleted',
  edited: '(edited)',
  react: 'Add reaction',
  reactWith: (emoji) => `React with ${emoji}`,
  reactedBy: (emoji, names) => `${emoji} by ${names}`,
  thread: 'Thread',
  replies: (count) => (count === 1 ? '1 reply' : `${count} replies`),
  openThread: (count) => (count === 1 ? 'View 1 reply' : `View ${count} replies`),
  closeThread: 'Close thread',
  threadTitle: 'Thread',
  threadEmpty: 'No replies yet.',
  retry: 'Retry',
  discard: 'Discard',
  statusPending: 'Sending',
  statusSent: 'Sent',
  statusDelivered: 'Delivered',
  statusRead: 'Read',
  statusFailed: 'Not sent',
  failedReason: (message) => `Not sent: ${message}`,
  typingOne: (name) => `${name} is typing…`,
  typingTwo: (a, b) => `${a} and ${b} are typing…`,
  typingMany: (count) => `${count} people are typing…`,
  offline: (pending, formatted) =>
    pending === 0
      ? 'You are offline. Messages will be sent when the connection is back.'
      : `You are offline. ${waiting(pending, formatted)}`,
  waiting,
  onlineCount: (_count, formatted) => `${formatted} online`,
  presenceOnline: 'Online',
  presenceAway: 'Away',
  presenceOffline: 'Offline',
  connecting: 'Connecting…',
  connectionFailed: 'Could not connect to the chat server.',
  gap: (count) => `${count} older ${count === 1 ? 'message was' : 'messages were'} removed by the room's retention.`,
  you: 'You',
  attachment: (name) => `Attachment: ${name}`,
  systemCreated: (actor) => `${actor} created the room`,
  systemJoined: (actor) => `${actor} joined`,
  systemLeft: (actor) => `${actor} left`,
  systemInvited: (actor, target) => `${actor} added ${target}`,
  systemKicked: (actor, target) => `${actor} removed ${target}`,
  systemBanned: (actor, target) => `${actor} banned ${target}`,
  systemRenamed: (actor, name) => `${actor} renamed the room to ${name}`,
  noClient: 'Not connected: place this element in a <parley-session> or set its server and user.',
};
