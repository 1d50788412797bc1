import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { cardlaneChallengeRoutes } from '../../src/issuer/authentication/challenge-page.ts';
import type { ThreeDSecurePolicy } from '../../src/issuer/authentication/policy.ts';
import { cardFixture, type CardFixture, type OpenedCard } from './card-fixture.ts';
import { browse, threeDSecureFixture, type ThreeDSecureFixture } from './three-d-secure-fixture.ts';

/**
 * Cardlane's own cards behind the 3-D Secure fixture: the card issuer with
 * a 3-D Secure policy and its access control server, whose challenge page
 * (a code by SMS) is served on the same server as the acquirer.
 */
export interface CardlaneThreeDSecureFixture extends ThreeDSecureFixture {
  readonly base: CardFixture;
  /** A payment method for a Cardlane card (its real number, CVC and the program's billing address). */
  paymentMethod(card: OpenedCard): Promise<Stripe.PaymentMethod>;
  /** The codes texted to the card's cardholder, oldest first. */
  smsCodes(card: OpenedCard): Promise<string[]>;
  /** The customer's browser on the issuer's page: posts a form (`code`, `resend`, `decline`); the answer as it came. */
  post(pageUrl: string, fields: Record<string, string>): Promise<Response>;
}

export async function cardlaneThreeDSecureFixture(policy: ThreeDSecurePolicy): Promise<CardlaneThreeDSecureFixture> {
  const base = await cardFixture({ threeDSecure: policy });
  const f = await threeDSecureFixture({ base, issuer: base.issuer, routes: [{ plugin: cardlaneChallengeRoutes(base.acs, () => base.clock.nowMs()), prefix: '' }] });
  return {
    ...f,
    base,
    paymentMethod: (card) =>
      f.stripe.paymentMethods.create({
        type: 'card',
        card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 },
        billing_details: { name: 'Li Lei', address: { line1: '548 Market St', postal_code: '94104', country: 'US' } },
      }),
    async smsCodes(card) {
      const rows = await f.db.all<{ body: string }>(
        'SELECT m.body FROM issuer_sms_messages m JOIN issuer_cardholders h ON h.phone_e164 = m.phone_e164 WHERE h.id = ? ORDER BY m.created_at_ms, m.id',
        [card.cardholderId],
      );
      return rows.map((row) => /验证码 (\d{6})/.exec(row.body)?.[1]).filter((code): code is string => code !== undefined);
    },
    async post(pageUrl, fields) {
      const page = await browse(pageUrl);
      const html = await page.text();
      const form = /<form method="post" action="([^"]+)"/.exec(html);
      assert.ok(form !== null, `no form on ${pageUrl}: ${html.slice(0, 300)}`);
      const target = new URL(form[1]!.replace(/&amp;/g, '&'), pageUrl);
      return browse(target.toString(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    },
  };
}

/** A six-digit code that is not `right`. */
export function wrongCode(right: string): string {
  return right === '000000' ? '111111' : '000000';
}
