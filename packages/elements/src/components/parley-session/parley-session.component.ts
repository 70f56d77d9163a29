import { provide } from '@lit/context';
import { html } from 'lit';
import type { PropertyValues } from 'lit';
import { state } from 'lit/decorators.js';
import type { ParleyClient } from '@parley/sdk';
import { ParleyElement } from '../../base/parley-element.js';
import { clientContext } from '../../context/client-context.js';
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
export class ParleySession extends ParleyElement {
  static override styles = styles;

  /** A session provides the client of its subtree: it never takes an outer session's. */
  protected static override readonly takesSessionClient = false;

  /** The client shared with descendants through `clientContext`. */
  @provide({ context: clientContext })
  @state()
  accessor provided: ParleyClient | undefined = undefined;

  /** The client in use: the `client` property or the session's own. */
  override get activeClient(): ParleyClient | undefined {
    return this.provided;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.provided = this.client;
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    const next = this.resolveClient();
    if (next !== this.provided) this.provided = next;
  }

  protected override render(): unknown {
    return html`<slot></slot>`;
  }
}
