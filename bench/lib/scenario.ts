/** What a scenario is and what it gets from the runner. */
import type { Table } from './table.js';

/** Given to a scenario by `run.ts`. */
export interface ScenarioContext {
  /** Short mode: small and quick, the same tables (CI smoke test). */
  short: boolean;
  /** `--sizes`: the subscriber counts the fan-out scenario runs, instead of its mode's own. */
  sizes: number[] | null;
  /** Prints a table (and keeps it for the run's summary). */
  table(table: Table): void;
  /** Prints a progress line. */
  log(line: string): void;
}

/** One benchmark case. */
export interface Scenario {
  /** The name `--only` takes. */
  name: string;
  title: string;
  /** Hard limit for the whole scenario, children included. */
  timeoutMs(short: boolean): number;
  /** Runs the scenario; returns a reason when it was skipped. */
  run(ctx: ScenarioContext): Promise<void | { skipped: string }>;
}
