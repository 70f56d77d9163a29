/** Every per-user and per-room bound on what one request may cost others, for the handlers to consult. */
import type { Limits } from '@parley/sdk/protocol';
import type { AttachmentStore } from '../storage/storage.js';
import { FanoutBudget } from './fanout-budget.js';
import { PendingUploadQuota } from './pending-uploads.js';
import type { QuotaOptions } from './quota-options.js';
import { RequestQuotas } from './request-quotas.js';

/** See the module comment; one per server. */
export class Quotas {
  /** The quotas as configured. */
  readonly options: QuotaOptions;
  /** Searches, rooms created, members added. */
  readonly requests: RequestQuotas;
  /** Bytes sent to rooms, per user and per room. */
  readonly fanout: FanoutBudget;
  /** Uploads no message uses yet, per user. */
  readonly uploads: PendingUploadQuota;

  constructor(limits: Limits, options: QuotaOptions, storage: AttachmentStore) {
    this.options = options;
    this.requests = new RequestQuotas(limits, options);
    this.fanout = new FanoutBudget(limits);
    this.uploads = new PendingUploadQuota(storage, options);
  }
}
