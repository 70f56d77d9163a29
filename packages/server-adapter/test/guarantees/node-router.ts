/**
 * Which server node a client connects to next. The fault schedule narrows
 * the choice (keep away from a node until a given moment, or send a client
 * to one node only); a refused connection moves the client to the next
 * allowed node, as a load balancer's health check would.
 */

/** The node a client uses, among those the schedule allows. */
export class NodeRouter {
  readonly #urls: readonly string[];
  #index: number;
  #allowed: ReadonlySet<number> | null = null;

  /** `urls` are the nodes' WebSocket URLs; the client starts on `start` (modulo their number). */
  constructor(urls: readonly string[], start: number) {
    this.#urls = urls;
    this.#index = start % urls.length;
  }

  /** The URL of the node to connect to now. */
  url(): string {
    if (this.#allowed && !this.#allowed.has(this.#index)) this.next();
    return this.#urls[this.#index];
  }

  /** The index of the node {@link NodeRouter.url} names. */
  get index(): number {
    return this.#index;
  }

  /** The current node refused the connection (or died): use the next allowed one. */
  next(): void {
    for (let step = 1; step <= this.#urls.length; step++) {
      const candidate = (this.#index + step) % this.#urls.length;
      if (!this.#allowed || this.#allowed.has(candidate)) {
        this.#index = candidate;
        return;
      }
    }
  }

  /** Restricts the client to `nodes` (null: any node again). */
  allow(nodes: readonly number[] | null): void {
    const allowed = nodes ? new Set(nodes) : null;
    this.#allowed = allowed;
    if (nodes && allowed && nodes.length > 0 && !allowed.has(this.#index)) this.#index = nodes[0];
  }
}
