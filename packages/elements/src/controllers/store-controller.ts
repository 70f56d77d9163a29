import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ClientState, EqualityFn, ParleyClient } from '@parley/sdk';

/**
 * Binds a slice of a Parley client's store to a Lit element: subscribes while
 * the host is connected, requests a host update when the slice changes, and
 * follows the client when the host gets a different one (context or property).
 *
 * ```ts
 * private readonly unread = new StoreController(this, () => this.client, (s) => s.unreadTotal);
 * render() { return html`${this.unread.value ?? 0}`; }
 * ```
 */
export class StoreController<T> implements ReactiveController {
  private client: ParleyClient | undefined;
  private unsubscribe: (() => void) | null = null;
  private current: T | undefined;
  private connected = false;

  /**
   * @param host the element to update
   * @param getClient reads the host's current client (may be undefined)
   * @param selector picks the slice from the client state (must be pure)
   * @param equality decides whether two slices are the same (default `Object.is`)
   */
  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly getClient: () => ParleyClient | undefined,
    private readonly selector: (state: ClientState) => T,
    private readonly equality: EqualityFn<T> = Object.is,
  ) {
    host.addController(this);
  }

  /** The selected slice, or undefined while the host has no client. */
  get value(): T | undefined {
    this.follow();
    return this.current;
  }

  /** The client the controller is bound to now. */
  get boundClient(): ParleyClient | undefined {
    return this.client;
  }

  /** Subscribes again: call it when the selector reads host state that changed (e.g. the room id). */
  refresh(): void {
    this.follow(true);
  }

  /** @internal Lit lifecycle. */
  hostConnected(): void {
    this.connected = true;
    this.follow(true);
  }

  /** @internal Lit lifecycle. */
  hostDisconnected(): void {
    this.connected = false;
    this.detach();
  }

  /** @internal Lit lifecycle: picks up a client that changed since the last render. */
  hostUpdate(): void {
    this.follow();
  }

  /** (Re)subscribes when the client changed; reads the state directly while unsubscribed. */
  private follow(force = false): void {
    const client = this.getClient();
    if (force || client !== this.client) {
      this.detach();
      this.client = client;
      if (client && this.connected) {
        this.current = this.selector(client.store.getState());
        this.unsubscribe = client.store.subscribe(
          this.selector,
          (value) => {
            this.current = value;
            this.host.requestUpdate();
          },
          this.equality,
        );
        return;
      }
    }
    if (this.unsubscribe === null) this.current = client ? this.selector(client.store.getState()) : undefined;
  }

  private detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
