/**
 * The network's public surface besides its message contract (messages.ts,
 * shared by every party): its module description and configuration sections,
 * the ISO 8583 link to an issuer in another process (client and server),
 * Payment Account References, and its records as the doctor reads them.
 * Other modules import only this file and messages.ts.
 */
export { networkConfigSection, paymentsConfigSection, type IssuerLinkMode, type NetworkConfig, type PaymentsConfig } from './config.ts';
export { Iso8583IssuerClient, type Iso8583IssuerClientOptions, type IssuerClientStats } from './iso8583/issuer-client.ts';
export { Iso8583IssuerServer, type Iso8583IssuerServerOptions, type IssuerServerStats } from './iso8583/issuer-server.ts';
export { ISSUER_LINK_KEY_SECRET } from './iso8583/link-key-secret.ts';
export { networkDoctorRecords } from './doctor-records.ts';
export { networkModule, type NetworkApi } from './module.ts';
export { DISPUTE_CATEGORIES, DISPUTE_REASONS, isDisputeCategory, LIABILITY_SHIFTED, reasonCodeFor, RESPONSE_WINDOW_MS, type DisputeReason } from './disputes/reason-codes.ts';
export { type DisputeRouter } from './disputes/dispute-router.ts';
export { NETWORK_REASONS } from './network-answers.ts';
export { type NetworkMessageRecord } from './network-records.ts';
export { ADVICE_KEY_SECRET } from './owed-advices.ts';
export { PAR_KEY_SECRET } from './par-key-file.ts';
export { paymentAccountReferences } from './payment-account-reference.ts';
export { testBankDoctorRecords } from './test-issuers/doctor-records.ts';
export { type TestBankAuthorizationRow } from './test-issuers/test-bank-store.ts';
