/** Why the workspace engine did not run a job. */

/** Which budget a job runs under: one client update, or work on a whole document. */
export type Budget = 'update' | 'document';

/** The job ran past its budget; its thread was terminated and nothing it did survives. */
export class EngineBudgetError extends Error {
  override readonly name = 'EngineBudgetError';
  readonly budget: Budget;
  readonly limitMs: number;

  /** Creates the error for a job of `budget` that ran past `limitMs`. */
  constructor(budget: Budget, limitMs: number) {
    super(`the ${budget} job ran past its budget of ${limitMs} ms`);
    this.budget = budget;
    this.limitMs = limitMs;
  }
}

/** The room's document is not on the engine (never loaded, dropped, or it could not be restored). */
export class EngineDocumentGone extends Error {
  override readonly name = 'EngineDocumentGone';
}

/** The engine is shutting down. */
export class EngineClosedError extends Error {
  override readonly name = 'EngineClosedError';
}
