/** Runs storage retention on a timer, deletes purged attachment bytes and tells members about their rooms' new floor. */
import type { HandlerServices } from '../handlers/services.js';
import { announceRoomUpdated } from './announce.js';

/** What retention uses: storage, the publisher (room updates), the eraser of purged files, the logger. */
export type RetentionServices = Pick<HandlerServices, 'storage' | 'publisher' | 'eraser' | 'logger'>;

/** Periodic retention; one run at a time. */
export class RetentionTimer {
  readonly #server: RetentionServices;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  /** Creates a timer that runs every `intervalMs`. */
  constructor(server: RetentionServices, intervalMs: number) {
    this.#server = server;
    this.#intervalMs = intervalMs;
  }

  /** Starts the timer. */
  start(): void {
    if (this.#timer || this.#intervalMs <= 0) return;
    this.#timer = setInterval(() => void this.run(Date.now()), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** Applies retention once (skipped when a run is in progress). */
  run(now: number): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = this.#apply(now).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #apply(now: number): Promise<void> {
    try {
      const changed = await this.#server.storage.applyRetention(now);
      // Storage queued the purged attachments; this also retries erasures that failed before.
      await this.#server.eraser.run();
      for (const { room } of changed) await announceRoomUpdated(this.#server, room);
      if (changed.length > 0) this.#server.logger.info({ rooms: changed.length }, 'retention applied');
    } catch (error) {
      this.#server.logger.error({ err: error }, 'retention failed');
    }
  }
}
