import { wholeNumber, type ConfigSection } from '../platform/config.ts';

export interface LedgerConfig {
  /** How often the expiry sweeper finalizes pending transfers past their timeout. */
  readonly sweepIntervalMs: number;
  /** How often the journal sealer runs. */
  readonly sealIntervalMs: number;
}

/** The ledger's settings: `ledger` in the config file. */
export const ledgerConfigSection: ConfigSection<'ledger', LedgerConfig> = {
  name: 'ledger',
  fields: {
    sweepIntervalMs: wholeNumber(10, 86_400_000, 'milliseconds'),
    sealIntervalMs: wholeNumber(10, 86_400_000, 'milliseconds'),
  },
  defaults: { sweepIntervalMs: 1_000, sealIntervalMs: 5_000 },
};
