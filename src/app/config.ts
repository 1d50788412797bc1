import { acquirerConfigSection } from '../acquirer/index.ts';
import { billingConfigSection } from '../billing/index.ts';
import { issuerConfigSection } from '../issuer/index.ts';
import { ledgerConfigSection } from '../ledger/index.ts';
import { networkConfigSection, paymentsConfigSection } from '../network/index.ts';
import { loadConfig, type LoadConfigInput } from '../platform/config.ts';

/** Every module's own settings, read and checked with the platform's. */
export const CONFIG_SECTIONS = [ledgerConfigSection, paymentsConfigSection, networkConfigSection, acquirerConfigSection, billingConfigSection, issuerConfigSection] as const;

/** Cardlane's whole configuration: the platform's settings and each module's section. */
export type CardlaneConfig = ReturnType<typeof loadCardlaneConfig>;

/** Reads and validates the configuration for every module (see platform/config.ts for the sources and their order). */
export function loadCardlaneConfig(input: LoadConfigInput = {}) {
  return loadConfig(input, CONFIG_SECTIONS);
}
