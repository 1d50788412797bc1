import { customerMigrations } from '../acquirer/customers/migrations.ts';
import { billingMigrations } from '../billing/migrations.ts';
import { subscriptionMigrations } from '../billing/subscriptions/migrations.ts';
import { autoRechargeMigrations } from '../billing/auto-recharge/migrations.ts';
import { notificationMigrations } from '../billing/notifications/migrations.ts';
import { memberMigrations } from '../billing/members/migrations.ts';
import { eventMigrations } from '../acquirer/events/migrations.ts';
import { merchantMigrations } from '../acquirer/merchants/migrations.ts';
import { riskMigrations } from '../acquirer/risk/migrations.ts';
import { paymentMigrations } from '../acquirer/payments/migrations.ts';
import { webhookMigrations } from '../acquirer/webhooks/migrations.ts';
import { authorizationMigrations } from '../issuer/authorization/migrations.ts';
import { cardMigrations } from '../issuer/cards/migrations.ts';
import { identityMigrations } from '../issuer/identity/migrations.ts';
import { moneyMigrations } from '../issuer/money/migrations.ts';
import { ledgerMigrations } from '../ledger/migrations.ts';
import { networkMigrations } from '../network/migrations.ts';
import type { Migration } from './db/migrations.ts';
import { idempotencyMigrations } from './idempotency.ts';
import { jobMigrations } from './jobs/migrations.ts';

/**
 * Every module's migrations, in the order they are applied. A module appends
 * its own list here; ids are never renamed or reordered once released.
 */
export const allMigrations: readonly Migration[] = [...idempotencyMigrations, ...jobMigrations, ...identityMigrations, ...ledgerMigrations, ...moneyMigrations, ...cardMigrations, ...merchantMigrations, ...customerMigrations, ...eventMigrations, ...webhookMigrations, ...riskMigrations, ...paymentMigrations, ...networkMigrations, ...authorizationMigrations, ...billingMigrations, ...autoRechargeMigrations, ...notificationMigrations, ...subscriptionMigrations, ...memberMigrations];
