import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Lang } from '../shared/lang.ts';
import type { T } from './strings.ts';

/** What every screen of the console reads: the language and its strings. */
export interface ConsolePage {
  readonly lang: Lang;
  readonly t: T;
}

export const ConsoleCtx = createContext<ConsolePage | null>(null);

export function useConsole(): ConsolePage {
  const page = useContext(ConsoleCtx);
  if (page === null) throw new Error('useConsole outside the console');
  return page;
}
