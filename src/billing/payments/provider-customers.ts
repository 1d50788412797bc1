import type { Sql } from '../../platform/db/database.ts';
import type { BillingPaymentDeps } from './payment-deps.ts';

/**
 * Each organization is one customer at the provider, created on first need
 * (idempotency key per organization, so two first needs at once make one).
 */
export async function providerCustomerId(deps: BillingPaymentDeps, orgId: string): Promise<string> {
  const known = await findProviderCustomerId(deps.db, orgId);
  if (known !== null) return known;
  const org = await deps.db.get<{ name: string }>('SELECT name FROM billing_organizations WHERE id = ?', [orgId]);
  if (org === undefined) throw new Error(`no organization ${orgId}`);
  // Two first needs at once send one key together; the provider answers the second 409 (`idempotency_key_in_use`) while the first
  // runs. The SDK retries a 409 after a short pause and then gets the first's customer; without it, the second payment or card
  // was left `processing` for the sweep although nothing was wrong.
  const customer = await deps.provider
    .stripe()
    .customers.create({ name: org.name, metadata: { cardlane_org_id: orgId } }, { idempotencyKey: `cardlane-billing-customer-${orgId}`, maxNetworkRetries: 2 });
  await deps.db.run('INSERT INTO billing_customers (org_id, provider_customer_id, created_at_ms) VALUES (?, ?, ?) ON CONFLICT (org_id) DO NOTHING', [
    orgId,
    customer.id,
    deps.clock.nowMs(),
  ]);
  return (await findProviderCustomerId(deps.db, orgId))!;
}

export async function findProviderCustomerId(sql: Sql, orgId: string): Promise<string | null> {
  const row = await sql.get<{ provider_customer_id: string }>('SELECT provider_customer_id FROM billing_customers WHERE org_id = ?', [orgId]);
  return row?.provider_customer_id ?? null;
}
