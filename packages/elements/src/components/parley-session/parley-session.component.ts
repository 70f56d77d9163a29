import { provide } from '@lit/context';
import { html, LitElement } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { ParleyClient, TokenSource } from '@parley/sdk';
import { clientContext } from '../../context/client-context.js';
import { OwnedClient } from '../../internal/owned-client.js';
import { styles } from './parley-session.styles.js';

/**
 * @summary Connects to a Parley server and shares one SDK client with every
 * Parley element inside it.
 *
 * The client is made from `server` + `user` with a `token` (string or async
 * function, called again when the token expires) or, with `dev`, a token from
 * the server's dev endpoint. A host that already has a client sets the
 * `client` property instead. The session connects when it enters the DOM and
 * disposes its own client when it leaves (queued messages stay on the device).
 *
 * @slot - The Parley elements (and anything else) that use this session.
 */
export class ParleySession extends LitElement {
  static override styles = styles;

  /** The server's base URL, e.g. `https://chat.example.com`. */
  @property({ reflect: true }) accessor server = '';
  /** The user id (the token's subject). */
  @property({ reflect: true }) accessor user = '';
  /** Display name for dev tokens. */
  @property({ attribute: 'user-name' }) accessor userName = '';
  /** Mint tokens from the server's dev endpoint (development servers only). */
  @property({ type: Boolean, reflect: true }) accessor dev = false;
  /** A token, or a function returning a fresh one. */
  @property({ attribute: false }) accessor token: TokenSource | undefined = undefined;
  /** A client the host created; the session then owns nothing and never disposes it. */
  @property({ attribute: false }) accessor client: ParleyClient | undefined = undefined;

  /** The client shared with descendants through `clientContext`. */
  @provide({ context: clientContext })
  @state()
  accessor provided: ParleyClient | undefined = undefined;

  private readonly owned = new OwnedClient(() => this.requestUpdate());

  /** The client in use: the `client` property or the session's own. */
  get activeClient(): ParleyClient | undefined {
    return this.provided;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.requestUpdate(); // a session moved in the DOM gets a fresh client
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.owned.dispose();
    this.provided = this.client;
  }

  protected override willUpdate(): void {
    const own =
      this.client || !this.isConnected
        ? this.owned.sync(null)
      : this.owned.sync({ server: this.server, user: this.user, userName: this.userName, dev: this.dev, token: this.token });
    const next = this.client ?? own;
    if (next !== this.provided) this.provided = next;
  }

  protected override render(): unknown {
    return html`<slot></slot>`;
  }
}
