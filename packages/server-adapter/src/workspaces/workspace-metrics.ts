/** Prometheus instruments of workspaces, on the server's registry (`GET /metrics`). */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Budget } from './engine/engine-errors.js';
import type { EngineMetrics } from './engine/engine.js';

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

/** What the gauges read at scrape time. */
export interface WorkspaceGauges {
  /** Documents loaded (or loading) on this node. */
  documents: () => number;
  /** Open workspace sockets. */
  sockets: () => number;
  /** Engine threads running a job now. */
  busyThreads: () => number;
}

/** Registers the workspace instruments. */
export function registerWorkspaceMetrics(registry: Registry, gauges: WorkspaceGauges): DocMetrics & EngineMetrics {
  const { documents, sockets, busyThreads } = gauges;
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
  new Gauge({
    name: 'parley_workspace_engine_busy_threads',
    help: 'Workspace engine threads running a job now',
    registers: [registry],
    collect() {
      this.set(busyThreads());
    },
  });
  const overBudget = new Counter({
    name: 'parley_workspace_jobs_over_budget_total',
    help: 'Workspace engine jobs that ran past their budget (their thread was replaced), by budget (update, document)',
    labelNames: ['budget'] as const,
    registers: [registry],
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
    overBudget: (budget: Budget) => overBudget.inc({ budget }),
  };
}
