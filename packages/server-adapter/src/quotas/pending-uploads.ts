/**
 * The uploads one user holds that no message uses yet: at most
 * `quotas.maxPendingUploads` of them and `quotas.maxPendingUploadBytes`
 * together, counting those stored and those still arriving on this node.
 * An upload is counted from the moment it is admitted, so uploads running
 * side by side cannot pass the quota together.
 */
import type { AttachmentStore, PendingUploads as StoredPending } from '../storage/storage.js';
import type { QuotaOptions } from './quota-options.js';

/** An upload let in: its place is held until {@link release} (once it is stored, or failed). */
export interface UploadSlot {
  readonly ok: true;
  release(): void;
}

/** An upload refused, with what the HTTP answer says. */
export interface UploadRefusal {
  readonly ok: false;
  readonly status: 413 | 429;
  readonly code: 'payload_too_large' | 'rate_limited';
  readonly message: string;
  /** For 429: when the oldest pending upload expires. */
  readonly retryAfterMs?: number;
}

/** See the module comment. */
export class PendingUploadQuota {
  readonly #storage: AttachmentStore;
  readonly #quotas: Pick<QuotaOptions, 'maxPendingUploads' | 'maxPendingUploadBytes' | 'uploadTtlMs'>;
  /** Uploads arriving now, per user: how many, and the bytes each may bring. */
  readonly #arriving = new Map<string, { count: number; bytes: number }>();

  constructor(storage: AttachmentStore, quotas: Pick<QuotaOptions, 'maxPendingUploads' | 'maxPendingUploadBytes' | 'uploadTtlMs'>) {
    this.#storage = storage;
    this.#quotas = quotas;
  }

  /** Admits an upload of up to `bytes` (its declared length, or the most it may bring) by `user`, or says why not. */
  async admit(user: string, bytes: number, now: number): Promise<UploadSlot | UploadRefusal> {
    const arriving = this.#arriving.get(user) ?? { count: 0, bytes: 0 };
    arriving.count += 1;
    arriving.bytes += bytes;
    this.#arriving.set(user, arriving);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      arriving.count -= 1;
      arriving.bytes -= bytes;
      if (arriving.count === 0) this.#arriving.delete(user);
    };
    let stored: StoredPending;
    try {
      stored = await this.#storage.pendingUploads(user);
    } catch (error) {
      release();
      throw error;
    }
    const { maxPendingUploads, maxPendingUploadBytes, uploadTtlMs } = this.#quotas;
    if (stored.count + arriving.count > maxPendingUploads) {
      release();
      const retryAfterMs = stored.oldestAt === null ? 1_000 : Math.max(1_000, stored.oldestAt + uploadTtlMs - now);
      return {
        ok: false,
        status: 429,
        code: 'rate_limited',
        message: `you have ${maxPendingUploads} uploads no message uses yet; send them, or wait until they expire`,
        retryAfterMs,
      };
    }
    if (stored.bytes + arriving.bytes > maxPendingUploadBytes) {
      release();
      return {
        ok: false,
        status: 413,
        code: 'payload_too_large',
        message: `your uploads no message uses yet would pass ${maxPendingUploadBytes} bytes; send them, or wait until they expire`,
      };
    }
    return { ok: true, release };
  }
}
