import { ContextConsumer } from '@lit/context';
import { LitElement } from 'lit';
import type { PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { ParleyClient, TokenSource } from '@parley/sdk';
import { clientContext } from '../context/client-context.js';
import { ErrorReporter, failureSentence } from './error-reporter.js';
import type { Failure } from './error-reporter.js';
import type { ErrorStrings } from './error-strings.js';
import { OwnedClient } from './owned-client.js';

/**
 * The base of every Parley element: the inputs that connect it to a server
 * and the choice of the SDK client it uses, in this order:
 *
 * 1. its `client` property (a client the host created and owns);
 * 2. the client of the nearest enclosing `<parley-session>` (through `@lit/context`);
 * 3. a client of its own, made from `server` + `user` with `token` or `dev`,
 *    connected while the element is in the page and disposed when it leaves.
 *
 * Subclasses read state from `activeClient` through reactive controllers.
 *
 * What keeps an element from working (the connection failed or keeps
 * failing, a request of its own was refused) is reported by `errors`: one
 * cancelable `parley-error` event and one console line per cause, and the
 * sentence the element shows in its banner (`errors.shown`).
 *
 * @event parley-error - The element cannot work as it should, and why ({@link ParleyErrorEvent}; cancelable: the host shows it instead).
 */
export class ParleyElement extends LitElement {
  /**
   * Whether the element takes the client of an enclosing `<parley-session>`.
   * A session provides a client instead and never takes an outer one.
   */
  protected static readonly takesSessionClient: boolean = true;

  /** The server's base URL (`https://chat.example.com`), for a client of the element's own. */
  @property({ reflect: true }) accessor server = '';
  /** The user id (the token's subject); with `dev`, whom the token is minted for. */
  @property({ reflect: true }) accessor user = '';
  /** Display name for dev tokens. */
  @property({ attribute: 'user-name' }) accessor userName = '';
  /** Mint tokens from the server's dev endpoint (development servers only). */
  @property({ type: Boolean, reflect: true }) accessor dev = false;
  /** A token, or a function returning a fresh one (called again when it expires). Set as a property. */
  @property({ attribute: false }) accessor token: TokenSource | undefined = undefined;
  /** A client the host created and owns: used before any other, never disposed by the element. Set as a property. */
  @property({ attribute: false }) accessor client: ParleyClient | undefined = undefined;

  /** The client provided by the nearest enclosing `<parley-session>`. */
  @state() private accessor sessionClient: ParleyClient | undefined = undefined;

  private readonly owned = new OwnedClient(() => this.requestUpdate());

  /** What keeps the element from working now, reported once per cause. */
  protected readonly errors = new ErrorReporter(this, (failure) => this.failureText(failure));

  constructor() {
    super();
    if ((this.constructor as typeof ParleyElement).takesSessionClient) {
      new ContextConsumer(this, {
        context: clientContext,
        subscribe: true,
        callback: (client) => {
          this.sessionClient = client;
        },
      });
    }
  }

  /** The client in use: the `client` property, else the enclosing session's, else the element's own. */
  get activeClient(): ParleyClient | undefined {
    return this.resolveClient();
  }

  /** @internal Why the element's own client could not connect (a refused token, an unreachable dev endpoint…), else null. */
  get ownClientError(): unknown {
    return this.owned.error;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.requestUpdate(); // moved in the DOM: make the own client again if needed
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.releaseClientResources();
    this.owned.dispose();
  }

  /** The element's strings with the host's override (the failure sentences it overrides win over the English defaults). */
  protected get errorStrings(): Partial<ErrorStrings> {
    return {};
  }

  /** The sentence shown for a failure: its own for each known cause, else the error's message. */
  protected failureText(failure: Failure): string {
    return failureSentence(this.errorStrings, failure);
  }

  /** The client the element should use now (see the class comment for the order). */
  protected resolveClient(): ParleyClient | undefined {
    return this.client ?? this.sessionClient ?? this.owned.client;
  }

  /**
   * Called when the element leaves the page, after its controllers stopped and
   * before its own client is disposed: gives back what it holds on the client.
   */
  protected releaseClientResources(): void {}

  /** Makes, replaces or disposes the own client before controllers read `activeClient`. */
  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    const external = this.client ?? this.sessionClient;
    this.owned.sync(
      external || !this.isConnected
        ? null
        : { server: this.server, user: this.user, userName: this.userName, dev: this.dev, token: this.token },
    );
  }
}
