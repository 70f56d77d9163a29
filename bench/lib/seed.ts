/** Seeding our server's storage before it starts: users and rooms with their members. */
import type { Storage } from '@parley/server-adapter';

/** Writes in flight at once while seeding (the write queue batches them into shared commits). */
const CHUNK = 1_000;

/** Records users whose display name is their id (the name bench tokens carry, so auth writes nothing). */
export async function seedUsers(storage: Storage, users: readonly string[]): Promise<void> {
  for (let i = 0; i < users.length; i += CHUNK) {
    await Promise.all(users.slice(i, i + CHUNK).map((id) => storage.upsertUser({ id, name: id })));
  }
}

/** Creates group rooms; the first member of each owns it, the others are plain members. */
export async function seedRooms(storage: Storage, rooms: ReadonlyArray<{ id: string; members: readonly string[] }>): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < rooms.length; i += CHUNK) {
    await Promise.all(
      rooms.slice(i, i + CHUNK).map((room) =>
        storage.createRoom({
          id: room.id,
          kind: 'group',
          name: room.id,
          topic: '',
          createdBy: room.members[0],
          now,
          directKey: null,
          members: room.members.map((user, k) => ({ user, role: k === 0 ? 'owner' : 'member' })),
        }),
      ),
    );
  }
}
