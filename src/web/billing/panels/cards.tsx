import { useEffect, useRef } from 'preact/hooks';
import { api } from '../api.ts';
import { useBilling, useBillingData } from '../context.ts';
import { onSubmit, useBusy, valueOf } from '../form.ts';
import { refusal, Said, sayError, useMessage, type Say } from '../messages.tsx';
import type { CardChallenge, List, PaymentMethod, Settings } from '../types.ts';
import { fundingKey, type T } from '../strings.ts';
import type { Lang } from '../../shared/lang.ts';
import { dateTime } from '../../shared/format.ts';

/**
 * The payment methods: the organization's cards; an owner adds one, makes
 * one the default, removes one. A card number goes straight to the payment
 * provider (as Stripe.js does), with the publishable key from
 * GET /billing/v1/settings; billing only ever gets the token.
 *
 * When the card issuer asks for 3-D Secure, this tab goes to the issuer's
 * page and comes back to /billing?card_attempt=…; the member's session is
 * the HttpOnly cookie, which the browser keeps (SameSite=Strict leaves it off
 * the navigation back from the bank's site, not off the page's own calls
 * after it), and the panel asks billing to finish that verification (billing
 * reads the outcome from the provider, not from the address the browser came
 * back with). Nothing of the attempt is stored in the browser: its id rides
 * in the return address and leaves the address bar at once.
 */

/** The query the return from a challenge carries; all of it leaves the address bar (it names the set-up's client secret). */
const RETURN_PARAMS = ['card_attempt', 'setup_intent', 'setup_intent_client_secret', 'redirect_status'];

/** The verification a return from the card issuer's page names, taken out of the address bar. */
function takeReturnedAttempt(): string | null {
  const url = new URL(location.href);
  const attempt = url.searchParams.get('card_attempt');
  if (attempt === null) return null;
  for (const name of RETURN_PARAMS) url.searchParams.delete(name);
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  return attempt;
}

export const cardName = (card: PaymentMethod): string => `${card.brand} •••• ${card.last4}`;

/** The card's funding in the reader's words ("credit" → 信用卡); one this page does not know, as the API names it. */
function fundingName(funding: string, t: T): string {
  const key = fundingKey(funding);
  return key === null ? funding : t(key);
}

interface CardInput {
  readonly number: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cvc: string;
  readonly name: string;
  readonly zip: string;
  readonly country: string;
}

/** Tokenizes the card at the provider with the publishable key; the number never reaches billing. */
async function tokenize(settings: Settings | null, card: CardInput): Promise<{ readonly id: string } | { readonly error: Say }> {
  let known = settings;
  if (known === null) {
    const answer = await api<Settings>('GET', '/settings');
    if (!answer.ok) return { error: refusal(answer) };
    known = answer.body;
  }
  const provider = known.provider;
  const form = new URLSearchParams();
  form.set('type', 'card');
  form.set('card[number]', card.number);
  form.set('card[exp_month]', String(card.expMonth));
  form.set('card[exp_year]', String(card.expYear));
  form.set('card[cvc]', card.cvc);
  if (card.name) form.set('billing_details[name]', card.name);
  if (card.zip) form.set('billing_details[address][postal_code]', card.zip);
  if (card.country) form.set('billing_details[address][country]', card.country);
  let answer: { ok: boolean; json: unknown; status: number };
  try {
    const response = await fetch(`${provider.base_url.replace(/\/+$/, '')}/v1/payment_methods`, {
      method: 'POST',
      headers: { authorization: `Bearer ${provider.publishable_key}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      cache: 'no-store',
      credentials: 'omit',
    });
    answer = { ok: response.ok, status: response.status, json: await response.json().catch(() => null) };
  } catch {
    return { error: (t) => t('networkError') };
  }
  const data = answer.json as { id?: unknown; error?: { code?: string; message?: string } } | null;
  if (!answer.ok || !data || typeof data.id !== 'string') {
    // The provider's codes are Stripe's (incorrect_number, invalid_expiry_year, …): said in the page's language.
    return { error: sayError(data?.error) };
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

export function CardsPanel() {
  const { t, lang, settings, canChange, refresh } = useBilling();
  const cards = useBillingData<List<PaymentMethod>>('/payment_methods')?.data ?? null;
  const message = useMessage();
  const { busy, run } = useBusy();
  const box = useRef<HTMLDetailsElement>(null);
  const number = useRef<HTMLInputElement>(null);
  const exp = useRef<HTMLInputElement>(null);
  const cvc = useRef<HTMLInputElement>(null);
  const name = useRef<HTMLInputElement>(null);
  const zip = useRef<HTMLInputElement>(null);
  const country = useRef<HTMLInputElement>(null);

  const addCard = () => {
    const digits = valueOf(number).replace(/[\s-]/g, '');
    if (digits === '') return message.show('error', (t) => t('badNumber'));
    const expiry = readExpiry(valueOf(exp));
    if (!expiry) return message.show('error', (t) => t('badExpiry'));
    void run(async () => {
      const token = await tokenize(settings, {
        number: digits,
        ...expiry,
        cvc: valueOf(cvc).trim(),
        name: valueOf(name).trim(),
        zip: valueOf(zip).trim(),
        country: valueOf(country).trim().toUpperCase(),
      });
      if ('error' in token) return message.show('error', token.error);
      // The token is all that is needed from here on: the number and CVC leave the page's fields.
      if (number.current) number.current.value = '';
      if (cvc.current) cvc.current.value = '';
      const answer = await api<PaymentMethod | CardChallenge>('POST', '/payment_methods', { payment_method: token.id, return_url: `${location.origin}/billing` });
      showAdded(answer);
    });
  };

  /** What adding (or finishing) a card came to; a challenge sends this tab to the card issuer's page. */
  const showAdded = (answer: Awaited<ReturnType<typeof api<PaymentMethod | CardChallenge>>>) => {
    if (answer.ok && answer.status === 202 && 'next_action' in answer.body && answer.body.next_action) {
      message.show('', (t) => t('cardChallenge'));
      location.assign(answer.body.next_action.redirect_to_url.url);
      return;
    }
    if (answer.ok && answer.status === 201) {
      const card = answer.body as PaymentMethod;
      message.show('ok', (t) => cardAddedText(t, card, lang));
      if (box.current) box.current.open = false;
    } else if (answer.status === 202) {
      message.show('', (t) => t('processing'));
    } else {
      message.show('error', refusal(answer, 'cardNotAdded'));
    }
    refresh();
  };

  // Back from the card issuer's 3-D Secure page: finish the verification the address names.
  useEffect(() => {
    const attempt = takeReturnedAttempt();
    if (attempt === null) return;
    message.show('', (t) => t('cardChallengeChecking'));
    void run(async () => {
      const answer = await api<PaymentMethod | CardChallenge>('POST', `/payment_methods/verifications/${encodeURIComponent(attempt)}/complete`);
      // Still waiting (the browser came back before the issuer answered): say so rather than send the member round again.
      if (answer.ok && answer.status === 202 && 'next_action' in answer.body) {
        message.show('', (t) => t('cardChallengePending'));
        return refresh();
      }
      showAdded(answer);
    });
  }, []);

  const act = (card: PaymentMethod, action: 'default' | 'remove') =>
    run(async () => {
      const id = encodeURIComponent(card.id);
      const answer = action === 'default' ? await api<PaymentMethod>('POST', `/payment_methods/${id}/default`) : await api('DELETE', `/payment_methods/${id}`);
      const key = action === 'default' ? 'cardDefault' : 'cardRemoved';
      message.show(answer.ok ? 'ok' : 'error', answer.ok ? (t) => t(key, { card: cardName(card) }) : refusal(answer));
      refresh();
    });

  return (
    <>
      <ul id="cards-list" class="cards">
        {cards !== null && cards.length === 0 ? <li class="note">{t('noCards')}</li> : null}
        {(cards ?? []).map((card) => (
          <li key={card.id} data-pm={card.id}>
            <strong>{cardName(card)}</strong>
            <span class="note">
              {t('expires', { exp: `${String(card.exp_month).padStart(2, '0')}/${String(card.exp_year).slice(-2)}` })} · {fundingName(card.funding, t)}
              {card.country ? ` · ${card.country}` : ''}
            </span>
            {card.is_default ? (
              <span class="badge">{t('isDefault')}</span>
            ) : canChange ? (
              <button type="button" data-action="default" data-pm={card.id} disabled={busy} onClick={() => void act(card, 'default')}>
                {t('makeDefault')}
              </button>
            ) : null}
            {canChange ? (
              <button type="button" data-action="remove" data-pm={card.id} disabled={busy} onClick={() => void act(card, 'remove')}>
                {t('remove')}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {canChange ? (
        <details id="card-add-box" ref={box}>
          <summary>{t('addCard')}</summary>
          <form id="card-form" noValidate onSubmit={onSubmit(addCard)}>
            <p class="note">{t('tokenNote')}</p>
            <label for="card-number">{t('cardNumber')}</label>
            <input id="card-number" ref={number} inputMode="numeric" autoComplete="cc-number" required maxLength={23} />
            <div class="row">
              <span>
                <label for="card-exp">{t('cardExp')}</label>
                <input id="card-exp" ref={exp} autoComplete="cc-exp" placeholder="12/34" required maxLength={7} />
              </span>
              <span>
                <label for="card-cvc">{t('cardCvc')}</label>
                <input id="card-cvc" ref={cvc} inputMode="numeric" autoComplete="cc-csc" required maxLength={4} />
              </span>
            </div>
            <label for="card-name">{t('cardName')}</label>
            <input id="card-name" ref={name} autoComplete="cc-name" maxLength={100} />
            <div class="row">
              <span>
                <label for="card-zip">{t('cardZip')}</label>
                <input id="card-zip" ref={zip} autoComplete="postal-code" maxLength={20} />
              </span>
              <span>
                <label for="card-country">{t('cardCountry')}</label>
                <input id="card-country" ref={country} autoComplete="country" defaultValue="US" maxLength={2} />
              </span>
            </div>
            <button type="submit" id="card-add" class="primary" disabled={busy}>
              {t('addCardSubmit')}
            </button>
          </form>
        </details>
      ) : null}
      <Said id="card-message" shown={message.shown} t={t} lang={lang} />
    </>
  );
}

/** What adding the card did: no hold, a hold released at once, or one the merchant keeps (until a time, in the reader's own time zone, or until it lapses). */
function cardAddedText(t: T, card: PaymentMethod, lang: Lang): string {
  const hold = card.verification?.hold ?? null;
  const name = cardName(card);
  if (hold === null) return t('cardAddedNoHold', { card: name });
  if (card.verification?.released !== false) return t('cardAdded', { card: name, hold: hold.formatted });
  const releaseAt = card.verification.release_at ?? null;
  return releaseAt === null ? t('cardAddedHeldToLapse', { card: name, hold: hold.formatted }) : t('cardAddedHeldUntil', { card: name, hold: hold.formatted, time: dateTime(releaseAt, lang) });
}
