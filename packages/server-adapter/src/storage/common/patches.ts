/** How a patch of a room or a membership applies to its row, and the folded room name discovery compares. */
import type { Retention, Role } from '@parley/sdk/protocol';
import type { RoomPatch } from '../storage.js';
import type { MemberRow, RoomRow } from './rows.js';

/** Case folding used for room discovery (the same on both sides of the comparison). */
export function foldName(text: string): string {
  return text.toLowerCase();
}

/** A room's settings after a patch. */
export interface PatchedRoom {
  name: string;
  nameFold: string;
  topic: string;
  retention: Retention;
  /** Whether the name changed (a `renamed` system message is due). */
  renamed: boolean;
  /** Custom JSON as stored (text), or null. */
  data: string | null;
}

/** Applies `patch` to a room row; what it leaves out stays. */
export function patchRoom(row: RoomRow, patch: RoomPatch): PatchedRoom {
  const name = patch.name ?? row.name;
  return {
    name,
    nameFold: foldName(name),
    topic: patch.topic ?? row.topic,
    retention: patch.retention ?? { maxAgeMs: row.retention_max_age_ms, maxMessages: row.retention_max_messages },
    renamed: name !== row.name,
    data: patch.data === undefined ? row.data : patch.data === null ? null : JSON.stringify(patch.data),
  };
}

/** Applies `patch` to a membership row; what it leaves out stays (`mutedUntil: null` unmutes). */
export function patchMember(row: MemberRow, patch: { role?: Role; mutedUntil?: number | null }): { role: Role; mutedUntil: number | null } {
  return { role: patch.role ?? row.role, mutedUntil: patch.mutedUntil !== undefined ? patch.mutedUntil : row.muted_until };
}
