/**
 * Deletes the files of erased attachments. Storage queues an attachment's key
 * in the transaction that removes its row (message deleted or purged by
 * retention); this removes the file and then the key, so a crash in between
 * only delays the removal to the next run (each start runs once).
 */
import type { Logger } from 'pino';
import type { AttachmentStore } from '../storage/storage.js';
import type { AttachmentFiles } from './attachment-files.js';

/** Keys taken from the queue at a time. */
const BATCH = 100;
/** Batches per run at most; the rest waits for the next run (the next delete, retention pass or start). */
const MAX_BATCHES = 100;

/** Drains the erasure queue; runs never overlap. */
export class BlobEraser {
  readonly #storage: AttachmentStore;
  readonly #files: AttachmentFiles;
  readonly #logger: Logger;
  #current: Promise<void> | null = null;
  #next: Promise<void> | null = null;

  /** Erases through `files` what `storage` has queued. */
  constructor(storage: AttachmentStore, files: AttachmentFiles, logger: Logger) {
    this.#storage = storage;
    this.#files = files;
    this.#logger = logger;
  }

  /**
   * Removes every queued file (up to the per-run bound). Resolves once the
   * keys queued before the call are handled; never rejects (failures are
   * logged, and their keys stay queued for the next run).
   */
  run(): Promise<void> {
    if (!this.#current) {
      this.#current = this.#drain().finally(() => {
        this.#current = null;
      });
      return this.#current;
    }
    // A run in progress may have read the queue before the caller's keys were committed: run once more after it.
    this.#next ??= this.#current.then(() => {
      this.#next = null;
      return this.run();
    });
    return this.#next;
  }

  /** Waits for the runs in progress. */
  async idle(): Promise<void> {
    while (this.#current || this.#next) await (this.#next ?? this.#current);
  }

  async #drain(): Promise<void> {
    try {
      for (let batch = 0; batch < MAX_BATCHES; batch++) {
        const keys = await this.#storage.pendingBlobErasures(BATCH);
        if (keys.length === 0) return;
        const erased: string[] = [];
        for (const key of keys) {
          try {
            await this.#files.erase(key);
            erased.push(key);
          } catch (error) {
            this.#logger.error({ err: error, blobKey: key }, 'could not delete an erased attachment file; will retry');
          }
        }
        if (erased.length > 0) await this.#storage.completeBlobErasures(erased);
        // Stop on failures instead of reading the same keys again at once.
        if (erased.length < keys.length || keys.length < BATCH) return;
      }
    } catch (error) {
      this.#logger.error({ err: error }, 'erasing attachment files failed; will retry');
    }
  }
}
