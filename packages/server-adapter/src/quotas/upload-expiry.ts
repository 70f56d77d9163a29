/**
 * Deletes uploads no message used within `quotas.uploadTtlMs`: the rows (whose
 * removal queues their files for erasure in the same transaction), then the
 * files through the eraser. Runs every `quotas.uploadSweepMs`, one run at a
 * time, in batches so one run never holds the write lock for long.
 */
import type { Logger } from 'pino';
import type { AttachmentStore } from '../storage/storage.js';

/** Uploads deleted per storage call. */
const BATCH = 500;
/** Batches per run at most; what is left waits for the next run. */
const MAX_BATCHES = 100;

/** What the sweep needs from the server. */
export interface UploadExpiryOptions {
  storage: AttachmentStore;
  logger: Logger;
  /** Removes the files storage queued for erasure (the attachment eraser's run). */
  eraseFiles: () => Promise<void>;
  ttlMs: number;
  intervalMs: number;
}

/** See the module comment. */
export class UploadExpiry {
  readonly #options: UploadExpiryOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;

  constructor(options: UploadExpiryOptions) {
    this.#options = options;
  }

  /** Starts the timer. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.run(Date.now()), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** Deletes what expired by `now` (joins a run in progress); resolves with how many uploads were deleted. */
  run(now: number): Promise<number> {
    this.#running ??= this.#sweep(now).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #sweep(now: number): Promise<number> {
    const { storage, logger, eraseFiles, ttlMs } = this.#options;
    let deleted = 0;
    try {
      for (let batch = 0; batch < MAX_BATCHES; batch++) {
        const keys = await storage.expireUploads(now - ttlMs, BATCH);
        if (keys.length > 0) await eraseFiles();
        deleted += keys.length;
        if (keys.length < BATCH) break;
      }
      if (deleted > 0) logger.info({ uploads: deleted }, 'expired uploads deleted');
    } catch (error) {
      logger.error({ err: error }, 'upload expiry failed');
    }
    return deleted;
  }
}
