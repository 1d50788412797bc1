/**
 * The issuer's public surface: its module description (which carries
 * Cardlane's issuer as the network calls it), its implementation of the
 * doctor's ports, and the pure tables the doctor explains declines with.
 * Other modules import only this file.
 */
export { declineText, hasDeclineText } from './authorization/decline-text.ts';
export { AUTHORIZATION_REASONS } from './authorization/reasons.ts';
export { type IssuerAuthorization } from './authorization/records.ts';
export { type CardStatus } from './cards/cards.ts';
export { merchantAllowed, type CardControls } from './cards/controls.ts';
export { type DemoIssuerCredentials } from './demo-cardholder.ts';
export { issuerDoctorRecords } from './doctor-records.ts';
export { auditIssuerDisputes } from './disputes/dispute-ledger.ts';
export { issuerModule, type IssuerApi, type IssuerSecrets } from './module.ts';
export { issuerConfigSection, issuerFxOf, threeDSecurePolicyOf, type IssuerConfig } from './config.ts';
export { ISSUER_KEYRING_SECRET, rotateIssuerPanKey } from './keyring-file.ts';
export { writeBootstrapOperatorKey } from './issuer-start.ts';
export { ALIPAY_SANDBOX_KEY_SECRET } from './money/alipay-sandbox-key-file.ts';
