/**
 * One measured step of a chat scenario: publishers send at a steady rate for
 * a while, the harness waits for deliveries to drain, and reads the server's
 * CPU time over the same window.
 */
import { summarize } from './histogram.js';
import type { LatencySummary } from './histogram.js';
import type { LoadGroup } from './load-group.js';
import type { CpuMeter } from './servers.js';

/** What one step measured. */
export interface StepResult {
  /** Messages the publishers sent. */
  sent: number;
  /** Frames the sockets should have received: sent × receivers per message. */
  expected: number;
  delivered: number;
  /** 1 − delivered / expected (never negative). */
  loss: number;
  latency: LatencySummary | null;
  /** Send → ack, our server only. */
  ack: LatencySummary | null;
  /** Server CPU time over the step, microseconds. */
  cpuMicros: number;
  /** Server CPU microseconds per delivered frame. */
  cpuPerFrame: number | null;
  /** Server CPU use from the first send to the end of the drain, as a fraction of one core. */
  cpuShare: number;
  /** CPU use of all load generators together over the same window, in cores (they share the machine with the server). */
  generatorShare: number;
  /** Delivered frames per second over the publishing window. */
  deliveredPerSecond: number;
  errors: number;
  /** Sockets the server closed during the step. */
  closed: number;
  firstError: string | null;
}

/** How a step runs. */
export interface StepPlan {
  publishers: number;
  ratePerPublisher: number;
  durationMs: number;
  /** How many sockets receive each message. */
  receivers: number;
  drainQuietMs: number;
  drainMaxMs: number;
}

/** Runs one step with the sockets `group` has connected; `server` reads the CPU time of the server (or of every node). */
export async function runStep(server: CpuMeter, group: LoadGroup, plan: StepPlan): Promise<StepResult> {
  await group.reset();
  const started = Date.now();
  const before = await server.stats();
  const generatorBefore = await group.cpuMicros();
  const sent = await group.publish(plan.publishers, plan.ratePerPublisher, plan.durationMs);
  const expected = sent * plan.receivers;
  await group.drain(expected, plan.drainQuietMs, plan.drainMaxMs);
  const after = await server.stats();
  const generatorMicros = (await group.cpuMicros()) - generatorBefore;
  const wallMs = Math.max(1, Date.now() - started);
  const report = await group.report();
  const cpuMicros = after.cpuMicros - before.cpuMicros;
  const result: StepResult = {
    sent,
    expected,
    delivered: report.delivered,
    loss: expected > 0 ? Math.max(0, 1 - report.delivered / expected) : 0,
    latency: summarize(report.latency),
    ack: summarize(report.ackLatency),
    cpuMicros,
    cpuPerFrame: report.delivered > 0 ? cpuMicros / report.delivered : null,
    cpuShare: cpuMicros / (wallMs * 1000),
    generatorShare: generatorMicros / (wallMs * 1000),
    deliveredPerSecond: report.delivered / (plan.durationMs / 1000),
    errors: report.errors,
    closed: report.closed,
    firstError: report.firstError,
  };
  report.latency.destroy();
  report.ackLatency.destroy();
  return result;
}

/** Whether a step kept up: p95 under `p95Ms` and (almost) nothing lost. */
export function sustained(step: StepResult, p95Ms = 100, maxLoss = 0.001): boolean {
  return step.latency !== null && step.latency.p95 < p95Ms && step.loss <= maxLoss;
}
