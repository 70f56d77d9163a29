import { createContext } from '@lit/context';
import type { ParleyClient } from '@parley/sdk';

/** The SDK client shared by a `<parley-session>` with every Parley element inside it. */
export const clientContext = createContext<ParleyClient | undefined>(Symbol.for('parley-client'));
