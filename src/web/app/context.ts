import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Lang, Translate } from './i18n.ts';
import type { Cardholder } from './types.ts';

/** What every screen reads: the language and its strings, the person, whether providers are sandboxes. */
export interface AppContext {
  readonly lang: Lang;
  readonly t: Translate;
  readonly sandbox: boolean;
  readonly me: Cardholder | null;
  /** Reads the cardholder again (after KYC, after a sign-in). */
  refreshMe(): Promise<void>;
  go(route: string): void;
  /** Ends the session on the server, which clears its cookie, and forgets it. */
  signOut(): Promise<void>;
}

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const ctx = useContext(Ctx);
  if (ctx === null) throw new Error('useApp outside the app');
  return ctx;
}
