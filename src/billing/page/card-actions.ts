import { api } from './api.ts';
import type { PaymentMethod, Settings } from './api-types.ts';
import { cardName } from './cards-view.ts';
import { refresh } from './dashboard.ts';
import { busy, details, input } from './dom.ts';
import { t } from './i18n.ts';
import { refusal, show } from './messages.ts';
import { state } from './state.ts';

/**
 * Adding a card, making one the default, removing one. Card numbers go
 * straight to the payment provider (as Stripe.js does), with the
 * publishable key from GET /billing/v1/settings; billing gets the token.
 */

interface CardInput {
  readonly number: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cvc: string;
  readonly name: string;
  readonly zip: string;
  readonly country: string;
}

/** The provider's answer to tokenizing: a payment method, or its error object. */
interface ProviderAnswer {
  readonly id?: unknown;
  readonly error?: { readonly message?: string };
}

/** Tokenizes the card at the provider with the publishable key, as Stripe.js does; the number never reaches billing. */
async function tokenize(card: CardInput): Promise<{ readonly id: string } | { readonly error: () => string }> {
  if (!state.settings) {
    const settings = await api<Settings>('GET', '/settings');
    if (!settings.ok) return { error: refusal(settings) };
    state.settings = settings.body;
  }
  const provider = state.settings.provider;
  const body = new URLSearchParams();
  body.set('type', 'card');
  body.set('card[number]', card.number);
  body.set('card[exp_month]', String(card.expMonth));
  body.set('card[exp_year]', String(card.expYear));
  body.set('card[cvc]', card.cvc);
  if (card.name) body.set('billing_details[name]', card.name);
  if (card.zip) body.set('billing_details[address][postal_code]', card.zip);
  if (card.country) body.set('billing_details[address][country]', card.country);
  let response: Response;
  try {
    response = await fetch(`${provider.base_url.replace(/\/+$/, '')}/v1/payment_methods`, {
      method: 'POST',
      headers: { authorization: `Bearer ${provider.publishable_key}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
      cache: 'no-store',
    });
  } catch {
    return { error: () => t('networkError') };
  }
  const data = (await response.json().catch(() => null)) as ProviderAnswer | null;
  if (!response.ok || !data || typeof data.id !== 'string') {
    // The provider's messages are written for people ("Your card number is incorrect.").
    const text = data?.error?.message;
    return { error: () => text || t('networkError') };
  }
  return { id: data.id };
}

function readExpiry(text: string): { expMonth: number; expYear: number } | null {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(text);
  if (!match) return null;
  const month = Number.parseInt(match[1]!, 10);
  const year = Number.parseInt(match[2]!, 10);
  if (month < 1 || month > 12) return null;
  return { expMonth: month, expYear: year < 100 ? 2000 + year : year };
}

export async function addCard(button: HTMLButtonElement): Promise<void> {
  const number = input('card-number').value.replace(/[\s-]/g, '');
  if (number === '') return show('card-message', 'bad', () => t('badNumber'));
  const expiry = readExpiry(input('card-exp').value);
  if (!expiry) return show('card-message', 'bad', () => t('badExpiry'));
  await busy(button, async () => {
    const token = await tokenize({
      number,
      ...expiry,
      cvc: input('card-cvc').value.trim(),
      name: input('card-name').value.trim(),
      zip: input('card-zip').value.trim(),
      country: input('card-country').value.trim().toUpperCase(),
    });
    if ('error' in token) return show('card-message', 'bad', token.error);
    // The token is all that is needed from here on: the number and CVC leave the page's fields.
    input('card-number').value = '';
    input('card-cvc').value = '';
    const answer = await api<PaymentMethod>('POST', '/payment_methods', { payment_method: token.id });
    if (answer.ok && answer.status === 201) {
      const card = answer.body;
      const hold = card.verification && card.verification.hold;
      show('card-message', 'good', () => (hold ? t('cardAdded', { card: cardName(card), hold: hold.formatted }) : t('cardAddedNoHold', { card: cardName(card) })));
      details('card-add-box').open = false;
    } else if (answer.status === 202) {
      show('card-message', '', () => t('processing'));
    } else {
      show('card-message', 'bad', refusal(answer, 'cardNotAdded'));
    }
    await refresh();
  });
}

/** A card's button: make it the default, or remove it. */
export async function cardAction(button: HTMLButtonElement): Promise<void> {
  const id = button.dataset.pm ?? '';
  const card = state.cards.find((c) => c.id === id);
  const name = card ? cardName(card) : id;
  await busy(button, async () => {
    if (button.dataset.action === 'default') {
      const answer = await api<PaymentMethod>('POST', `/payment_methods/${encodeURIComponent(id)}/default`);
      show('card-message', answer.ok ? 'good' : 'bad', answer.ok ? () => t('cardDefault', { card: name }) : refusal(answer));
    } else {
      const answer = await api('DELETE', `/payment_methods/${encodeURIComponent(id)}`);
      show('card-message', answer.ok ? 'good' : 'bad', answer.ok ? () => t('cardRemoved', { card: name }) : refusal(answer));
    }
    await refresh();
  });
}
