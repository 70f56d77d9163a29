/** Starting an engine thread from the built JavaScript, or from the TypeScript sources (tests, bench). */
import { Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';

const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** Starts the engine worker module with `port` (its end of the channel to the main thread). */
export function spawnEngineWorker(port: MessagePort): Worker {
  const entry = new URL(`./engine-worker.${FROM_SOURCES ? 'ts' : 'js'}`, import.meta.url);
  const options = { workerData: { port }, transferList: [port] };
  if (!FROM_SOURCES) return new Worker(entry, options);
  // Node 20 does not carry `--import tsx` into worker threads: the worker registers tsx itself first.
  const bootstrap = `import('tsx/esm/api').then((api) => api.register()).then(() => import(${JSON.stringify(entry.href)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}
