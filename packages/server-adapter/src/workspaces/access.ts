/** Who may read and who may edit a room's workspace document. */
import type { Role, RoomKind } from '@parley/sdk/protocol';
import { can } from '../rooms/policy.js';
import type { Storage } from '../storage/storage.js';

/** A member's standing in a room, as far as its document is concerned. */
export interface WorkspaceAccess {
  kind: RoomKind;
  role: Role;
  /** Muted until this time (epoch ms), or null. */
  mutedUntil: number | null;
}

/**
 * The user's access to the room's document, or null when they may not see
 * it at all: no such room, or not a member (public rooms included: joining
 * comes first, through the chat API).
 */
export async function workspaceAccess(storage: Storage, room: string, user: string): Promise<WorkspaceAccess | null> {
  const stored = await storage.getRoom(room);
  if (!stored) return null;
  const member = await storage.getMember(room, user);
  if (!member) return null;
  return { kind: stored.kind, role: member.role, mutedUntil: member.mutedUntil };
}

/** Whether the member may change the document at `now` (see `workspace.edit` in the policy table). */
export function canEdit(access: WorkspaceAccess, now: number): boolean {
  if (access.mutedUntil !== null && access.mutedUntil > now) return false;
  return can('workspace.edit', { kind: access.kind, actor: access.role });
}
