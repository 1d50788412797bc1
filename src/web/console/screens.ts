import type { FunctionComponent } from 'preact';
import type { StringKey } from './strings.ts';
import { AuditScreen } from './screens/audit.tsx';
import { DeclinesScreen } from './screens/declines.tsx';
import { DisputesScreen } from './screens/disputes.tsx';
import { KycScreen } from './screens/kyc.tsx';
import { MoneyScreen } from './screens/money.tsx';

/** The console's screens, in the order of its tabs; the address's #fragment names the one shown. */
export const SCREENS: ReadonlyArray<{ readonly id: string; readonly tab: StringKey; readonly component: FunctionComponent }> = [
  { id: 'kyc', tab: 'tab_kyc', component: KycScreen },
  { id: 'money', tab: 'tab_money', component: MoneyScreen },
  { id: 'declines', tab: 'tab_declines', component: DeclinesScreen },
  { id: 'disputes', tab: 'tab_disputes', component: DisputesScreen },
  { id: 'audit', tab: 'tab_audit', component: AuditScreen },
];
