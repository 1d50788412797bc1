import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { Lang } from '../shared/lang.ts';
import { api } from './api.ts';
import type { T } from './strings.ts';
import type { Session, Settings } from './types.ts';

/** What every panel of the billing dashboard reads: the language, the member, and when to read its data again. */
export interface BillingPage {
  readonly lang: Lang;
  readonly t: T;
  readonly session: Session;
  readonly settings: Settings | null;
  /** Owners change the billing; a member looks (the API refuses a member's changes anyway). */
  readonly canChange: boolean;
  /** Bumped by `refresh()`: every panel reads its data again (a change in one shows in the others, e.g. a removed card pauses auto-recharge). */
  readonly version: number;
  refresh(): void;
  /** Reads who is signed in again, e.g. after the member changed its own role: `canChange` follows the role the API now holds. */
  sessionChanged(): void;
}

export const BillingCtx = createContext<BillingPage | null>(null);

export function useBilling(): BillingPage {
  const page = useContext(BillingCtx);
  if (page === null) throw new Error('useBilling outside the billing dashboard');
  return page;
}

/** GET `path` from billing's API, again after each refresh; null until it answers (a refusal keeps what was shown). */
export function useBillingData<R>(path: string): R | null {
  const { version } = useBilling();
  const [data, setData] = useState<R | null>(null);
  useEffect(() => {
    let live = true;
    void api<R>('GET', path).then((answer) => {
      if (live && answer.ok) setData(answer.body);
    });
    return () => {
      live = false;
    };
  }, [path, version]);
  return data;
}
