/**
 * The operations of the admin API, for the host's backend: the HTTP routes
 * under `/v1/admin/` are thin wrappers over these, and `server.admin` offers
 * them to hosts that embed the server in their own process. Failures are
 * `RequestError`s with the protocol's error codes.
 */
import { decodeJwt } from 'jose';
import { ErrorCode, cleanName } from '@parley/sdk/protocol';
import type { MemberInfo, Message, Role } from '@parley/sdk/protocol';
import type { TokenService } from '../auth/tokens.js';
import { RequestError } from '../errors.js';
import type { Storage, UserProfile } from '../storage/storage.js';
import { AdminMessages } from './admin-messages.js';
import type { AdminMessageDeps } from './admin-messages.js';
import { AdminRooms } from './admin-rooms.js';
import type { AdminRoomDeps } from './admin-rooms.js';
import type { AdminApi, AdminMessageInput, AdminRoom, AdminRoomInput, AdminRoomPatch, MintedToken, UserFields } from './admin-api.js';
import { MAX_NAME_LENGTH, avatarUrlProblem, customDataProblem, userIdProblem } from '../rooms/custom-data.js';

/** Default lifetime of a minted client token (s). */
export const DEFAULT_TOKEN_TTL_SECONDS = 3_600;
/** Longest lifetime of a minted client token (s): 30 days. */
export const MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3_600;

export type { AdminApi, MintedToken, UserFields } from './admin-api.js';

/** What the admin operations use. */
export interface AdminDeps extends Omit<AdminRoomDeps, 'limits'>, Omit<AdminMessageDeps, 'limits'> {
  limits: AdminRoomDeps['limits'] & AdminMessageDeps['limits'];
  storage: Storage;
  tokens: TokenService;
  /** Ends a user's sessions on every node. */
  revoke: (user: string) => Promise<void>;
}

/** {@link AdminApi} over the server's storage and token service. */
export class AdminService implements AdminApi {
  readonly #storage: Storage;
  readonly #tokens: TokenService;
  readonly #revoke: (user: string) => Promise<void>;
  readonly #rooms: AdminRooms;
  readonly #messages: AdminMessages;

  /** Works through `deps`. */
  constructor(deps: AdminDeps) {
    this.#storage = deps.storage;
    this.#tokens = deps.tokens;
    this.#revoke = deps.revoke;
    this.#rooms = new AdminRooms(deps);
    this.#messages = new AdminMessages(deps);
  }

  postMessage(room: string, input: AdminMessageInput): Promise<{ message: Message; duplicate: boolean }> {
    return this.#messages.postMessage(room, input);
  }

  history(room: string, options?: { before?: number; limit?: number }): Promise<{ messages: Message[]; hasMore: boolean }> {
    return this.#messages.history(room, options);
  }

  createRoom(input: AdminRoomInput): Promise<AdminRoom> {
    return this.#rooms.createRoom(input);
  }

  updateRoom(id: string, patch: AdminRoomPatch): Promise<AdminRoom> {
    return this.#rooms.updateRoom(id, patch);
  }

  putMember(room: string, user: string, input?: { role?: Role }): Promise<{ member: MemberInfo; added: boolean }> {
    checkUserId(user);
    return this.#rooms.putMember(room, user, input);
  }

  removeMember(room: string, user: string): Promise<void> {
    return this.#rooms.removeMember(room, user);
  }

  async upsertUser(id: string, fields: UserFields = {}): Promise<UserProfile> {
    checkUserId(id);
    const { name, avatarUrl = null, data = null } = fields;
    if (name !== undefined && (typeof name !== 'string' || cleanName(name).length === 0 || name.length > MAX_NAME_LENGTH)) {
      throw new RequestError(ErrorCode.BadRequest, `name must be a string of 1 to ${MAX_NAME_LENGTH} characters`);
    }
    const avatarProblem = avatarUrl === null ? null : avatarUrlProblem(avatarUrl);
    if (avatarProblem) throw new RequestError(ErrorCode.BadRequest, avatarProblem);
    const dataProblem = data === null ? null : customDataProblem(data);
    if (dataProblem) throw new RequestError(ErrorCode.PayloadTooLarge, dataProblem);
    // Names are cleaned as in tokens: no direction overrides or invisible characters (impersonation).
    const profile: UserProfile = { id, name: name === undefined ? id : cleanName(name), avatarUrl, data };
    await this.#storage.saveUserProfile(profile);
    return profile;
  }

  async mintToken(id: string, options: { ttlSeconds?: number } = {}): Promise<MintedToken> {
    checkUserId(id);
    const ttl = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) {
      throw new RequestError(ErrorCode.BadRequest, `ttlSeconds must be an integer from 1 to ${MAX_TOKEN_TTL_SECONDS}`);
    }
    if (!this.#tokens.canMint) {
      throw new RequestError(
        ErrorCode.Unsupported,
        'this server verifies tokens with a public key and cannot sign any: configure jwtSecret (PARLEY_JWT_SECRET), or mint tokens with your private key',
      );
    }
    const profile = await this.#storage.getUserProfile(id);
    const token = await this.#tokens.mintFor(id, profile?.name, ttl);
    return { token, expiresAt: (decodeJwt(token).exp ?? 0) * 1000 };
  }

  async revokeSessions(id: string): Promise<void> {
    checkUserId(id);
    await this.#revoke(id);
  }
}

function checkUserId(id: string): void {
  const problem = userIdProblem(id);
  if (problem) throw new RequestError(ErrorCode.BadRequest, problem);
}
