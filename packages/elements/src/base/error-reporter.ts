/**
 * How an element reports what keeps it from working: the failure of its
 * client's connection (read from the store: the SDK's `lastError` says
 * which cause) or one its own requests met (set by the element: not a
 * member, no such room…). Each cause is reported once while it lasts: one
 * `parley-error` event from the element and, unless the host cancelled it,
 * one console line per client (elements sharing a `<parley-session>`'s
 * client do not repeat each other's line). Lines are for the developer and
 * are the elements' job rather than the SDK's, which stays quiet in hosts
 * such as Node servers. The sentences, the event and the line load with the
 * first failure (`failure-report.ts`); only noticing one is here.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ParleyClient, ParleyError } from '@parley/sdk';
import { StoreController } from '../controllers/store-controller.js';
import type { ErrorStrings } from './error-strings.js';
import type * as FailureReport from './failure-report.js';

/** Something that keeps an element from working, as the `parley-error` event carries it. */
export interface Failure {
  /** The SDK's error code. */
  code: string;
  /** The error itself. */
  cause: unknown;
  /** Nothing changes without the host or the user. */
  fatal: boolean;
  /** The client keeps trying by itself. */
  retrying: boolean;
}

/** What the reporter needs of its element. */
export interface ReporterHost extends ReactiveControllerHost, EventTarget {
  readonly localName: string;
  readonly activeClient: ParleyClient | undefined;
}

let loading: Promise<typeof FailureReport> | undefined;
let loaded: typeof FailureReport | undefined;

/** The sentence for `failure` in `strings` (over the English defaults); '' until the first failure loaded them. */
export function failureSentence(strings: Partial<ErrorStrings>, failure: Failure): string {
  return loaded?.sentence(strings, failure) ?? '';
}

/** A failure from anything thrown or reported: its `code` (else `unknown`); fatal unless retryable, unless said otherwise. */
export function failureOf(cause: unknown, fatal?: boolean, retrying = false): Failure {
  const { code, retryable } = (cause ?? {}) as { code?: unknown; retryable?: unknown };
  return { code: typeof code === 'string' ? code : 'unknown', cause, fatal: fatal ?? retryable !== true, retrying };
}

/** See the module comment. */
export class ErrorReporter implements ReactiveController {
  /** The client's `lastError` while it makes the client fail or keep failing (a dropped connection coming back is no failure). */
  private readonly error: StoreController<ParleyError | null>;
  private request: Failure | null = null;
  /** The failure reported now (connection first), or null. */
  failure: Failure | null = null;
  /** Whether the element shows the failure: its event went out and the host did not cancel it. */
  visible = false;
  /** @internal The client (or, for a request's failure, the element) whose console line the reported failure wrote. */
  source: object | null = null;

  /**
   * @param host the element
   * @param text the sentence the element shows for a failure (the event's `message`)
   */
  constructor(
    private readonly host: ReporterHost,
    private readonly text: (failure: Failure) => string,
  ) {
    host.addController(this);
    this.error = new StoreController(host, () => host.activeClient, (s) =>
      s.connection === 'failed' || (s.connection === 'offline' && s.lastError?.code !== 'disconnected') ? s.lastError : null,
    );
  }

  /** The connection's failure: the client could not start or gave up (`failed`), or keeps failing for a reason worth saying. */
  get connection(): Failure | null {
    const error = this.error.value;
    const retrying = this.host.activeClient?.state.connection === 'offline';
    return error ? failureOf(error, !retrying, retrying) : null;
  }

  /** Sets (or clears, with null) the failure of the element's own requests; a connection failure goes first. */
  set(failure: Failure | null): void {
    this.request = failure;
    this.host.requestUpdate();
  }

  /** @internal Lit lifecycle: notices a new cause (or its end) before the element renders; `failure-report.ts` reports it. */
  hostUpdate(): void {
    const connection = this.connection;
    const failure = connection ?? this.request;
    if (failure?.code === this.failure?.code) {
      this.failure = failure;
      return;
    }
    this.failure = failure;
    this.visible = false;
    const source = (connection && this.host.activeClient) || this.host;
    if (failure || this.source) {
      void (loading ??= import('./failure-report.js')).then((module) => (loaded = module).report(this, this.host, failure, source, this.text));
    }
  }
}
