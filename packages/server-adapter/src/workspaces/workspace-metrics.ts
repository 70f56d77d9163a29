/** Prometheus instruments of workspaces, on the server's registry (`GET /metrics`). */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

/** What a workspace document reports as it works. */
export interface DocMetrics {
  /** An update was appended to the log (`stored`) or its append failed (`failed`). */
  updateStored(ok: boolean): void;
  /** The log was folded into a snapshot. */
  compacted(): void;
  /** The document re-read storage after the bus may have lost updates (several nodes only). */
  caughtUp(): void;
}

/** Metrics that count nothing (for a registry-less document, e.g. in unit tests). */
export const NO_DOC_METRICS: DocMetrics = { updateStored() {}, compacted() {}, caughtUp() {} };

/** Registers the workspace instruments; the gauges read `documents()` and `sockets()` at scrape time. */
export function registerWorkspaceMetrics(registry: Registry, documents: () => number, sockets: () => number): DocMetrics {
  new Gauge({
    name: 'parley_workspace_documents',
    help: 'Workspace documents loaded in memory on this node',
    registers: [registry],
    collect() {
      this.set(documents());
    },
  });
  new Gauge({
    name: 'parley_workspace_sockets',
    help: 'Open workspace (y-websocket) sockets on this node',
    registers: [registry],
    collect() {
      this.set(sockets());
    },
  });
  const updates = new Counter({
    name: 'parley_workspace_updates_total',
    help: 'Workspace updates appended to storage, by result (stored, failed)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const compactions = new Counter({
    name: 'parley_workspace_compactions_total',
    help: 'Workspace logs folded into a snapshot',
    registers: [registry],
  });
  const catchUps = new Counter({
    name: 'parley_workspace_catch_ups_total',
    help: 'Times a workspace document re-read storage because the bus may have lost updates',
    registers: [registry],
  });
  return {
    updateStored: (ok) => updates.inc({ result: ok ? 'stored' : 'failed' }),
    compacted: () => compactions.inc(),
    caughtUp: () => catchUps.inc(),
  };
}
