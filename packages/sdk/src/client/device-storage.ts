/**
 * The client's device storage: the chosen {@link OfflineStore}, opened once
 * per server and user, and the writer that caches rooms and the outbox into
 * it. Before `connect()` and after `dispose()` there is no writer: queued
 * mutations are refused rather than kept in memory only.
 */
import { toParleyError } from '../errors.js';
import type { ParleyError } from '../errors.js';
import { hasIndexedDb, IndexedDbOfflineStore } from '../offline/indexeddb.js';
import { MemoryOfflineStore } from '../offline/memory.js';
import type { OfflineSnapshot, OfflineStore } from '../offline/types.js';
import { OfflineWriter } from '../offline/writer.js';
import type { Timers } from '../transport/platform.js';

/** Cache writes are batched for this long (ms); outbox writes are not. */
const CACHE_WRITE_DELAY_MS = 50;

/** See the module comment. */
export class DeviceStorage {
  private offline: OfflineStore | null = null;
  private current: OfflineWriter | null = null;

  /**
   * @param choice the client's `offline` option.
   * @param onError where failed cache writes are reported.
   */
  constructor(
    private readonly choice: OfflineStore | 'memory' | undefined,
    private readonly timers: Timers,
    private readonly onError: (error: ParleyError) => void,
  ) {}

  /** The writer into the open store; null while none is open. */
  get writer(): OfflineWriter | null {
    return this.current;
  }

  /** Opens the store `name` and returns what it holds. */
  async open(name: string, historyLimit: number): Promise<OfflineSnapshot> {
    const offline = this.chooseStore();
    await offline.open({ name, historyLimit });
    const snapshot = await offline.load();
    this.offline = offline;
    this.current = new OfflineWriter(offline, this.timers, CACHE_WRITE_DELAY_MS, (err) => this.onError(toParleyError(err)));
    return snapshot;
  }

  /** Resolves once every write so far is stored. */
  async flush(): Promise<void> {
    await this.current?.flush();
  }

  /**
   * Stops writing and forgets the store at once; the returned function
   * closes it later (deleting its contents first when `purge`).
   */
  detach(): (purge: boolean) => Promise<void> {
    const offline = this.offline;
    this.current?.disable();
    this.current = null;
    this.offline = null;
    return async (purge) => {
      if (!offline) return;
      if (purge) await offline.purge();
      await offline.close();
    };
  }

  private chooseStore(): OfflineStore {
    const choice = this.choice;
    if (choice === 'memory') return new MemoryOfflineStore();
    if (choice) return choice;
    return hasIndexedDb() ? new IndexedDbOfflineStore() : new MemoryOfflineStore();
  }
}
