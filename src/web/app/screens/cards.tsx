import { useEffect, useRef, useState } from 'preact/hooks';
import { call, newIdempotencyKey } from '../api.ts';
import { useApp } from '../context.ts';
import { CLIPBOARD_CLEAR_MS } from '../clipboard-expiry.ts';
import { expiry, groupDigits, money, parseAmount } from '../format.ts';
import type { Card, CardOffer, List, RevealedCard } from '../types.ts';
import { CopyButton, Message, SandboxHint, Section, useAction, usePolling } from '../ui.tsx';
import { ClosePanel } from './card-close.tsx';
import { ControlsPanel } from './card-controls.tsx';
import { MerchantsPanel } from './card-merchants.tsx';
import { KycNeeded } from './kyc.tsx';

/** How long revealed card details stay on screen. */
const REVEAL_MS = 60_000;
const CARD_POLL_MS = 5_000;

/** The card list (and opening one), or one card. */
export function CardsScreen(props: { readonly cardId: string | null }) {
  return props.cardId === null ? <CardList /> : <CardDetail id={props.cardId} />;
}

function CardList() {
  const { t, me, go } = useApp();
  const [cards, setCards] = useState<readonly Card[] | null>(null);
  // The fee is the program's, waived by an invite code: read from the issuer, never a figure in the page.
  const [offer, setOffer] = useState<CardOffer | null>(null);
  const action = useAction();
  usePolling(
    async () => {
      const [list, fee] = await Promise.all([call<List<Card>>('GET', '/issuer/v1/cards'), call<CardOffer>('GET', '/issuer/v1/card-offer')]);
      setCards(list.data);
      setOffer(fee);
    },
    CARD_POLL_MS,
    me?.kyc_status === 'approved',
  );

  const open = () =>
    action.run(async () => {
      const card = await call<Card>('POST', '/issuer/v1/cards', { body: {}, idempotencyKey: newIdempotencyKey() });
      go(`/cards/${card.id}`);
    });

  if (me?.kyc_status !== 'approved') return <KycNeeded />;
  return (
    <Section title={t('cardsTitle')} id="cards">
      {cards === null ? <p>{t('loading')}</p> : null}
      {cards !== null && cards.length === 0 ? <p class="note">{t('noCards')}</p> : null}
      <ul class="card-list" id="card-list">
        {(cards ?? []).map((card) => (
          <li key={card.id}>
            <a href={`#/cards/${card.id}`} class="card-link">
              <CardFace card={card} revealed={null} />
              <span class="card-balance">
                {t('cardBalance')}
                {t('labelColon')}
                {money(card.balance.available, 'USD')}
              </span>
            </a>
          </li>
        ))}
      </ul>
      <div class="open-card">
        <p class="note" id="opening-fee">
          {offer === null ? t('openingFeeLoading') : offer.opening_fee.waived ? t('openingFeeWaived') : t('openingFee', { fee: money(offer.opening_fee.amount, 'USD') })}
        </p>
        <button type="button" class="primary" id="open-card" onClick={open} disabled={action.busy}>
          {t('openCard')}
        </button>
      </div>
      <Message text={action.error} kind="error" />
    </Section>
  );
}

/** The card as a card: brand, number (masked unless revealed), expiry, name, status. */
export function CardFace(props: { readonly card: Card; readonly revealed: RevealedCard | null }) {
  const { t } = useApp();
  const { card, revealed } = props;
  return (
    <div class={`card-face ${card.status}`} role="group" aria-label={`VISA •••• ${card.last4}`}>
      <span class="card-brand">VISA</span>
      {card.status !== 'active' ? <span class="card-status">{card.status === 'frozen' ? t('frozen') : t('closed')}</span> : null}
      <span class="card-number" id={`card-number-${card.id}`}>
        {revealed === null ? `•••• •••• •••• ${card.last4}` : groupDigits(revealed.number)}
      </span>
      <span class="card-bottom">
        <span class="card-name">{card.cardholder_name}</span>
        <span class="card-exp">{expiry(card.exp_month, card.exp_year)}</span>
      </span>
    </div>
  );
}

function CardDetail(props: { readonly id: string }) {
  const { t } = useApp();
  const [card, setCard] = useState<Card | null>(null);
  const [revealed, setRevealed] = useState<RevealedCard | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const action = useAction();
  const path = `/issuer/v1/cards/${encodeURIComponent(props.id)}`;
  usePolling(async () => setCard(await call<Card>('GET', path)), CARD_POLL_MS, true);

  const freeze = (act: 'freeze' | 'unfreeze') =>
    action.run(async () => {
      setNote(null);
      setCard(await call<Card>('POST', `${path}/${act}`, { idempotencyKey: newIdempotencyKey() }));
      setNote(act === 'freeze' ? t('frozenDone') : t('unfrozenDone'));
    });
  const closed = (updated: Card) => {
    setCard(updated);
    setRevealed(null);
    setNote(t('closeDone'));
  };

  if (card === null) return <p class="panel">{t('loading')}</p>;
  const limits = card.controls.spending_limits;
  const limit = (cents: number | null) => (cents === null ? t('noLimit') : money(cents, 'USD'));
  const address = card.billing_address;
  const addressText = address === null ? '' : [address.line1, address.line2, address.city, address.state, address.postal_code, address.country].filter((part) => part).join(', ');
  return (
    <>
      <Section title={`VISA •••• ${card.last4}`} id="card">
        <CardFace card={card} revealed={revealed} />
        <p class="label">{t('cardBalance')}</p>
        <p class="balance" id="card-balance">
          {money(card.balance.available, 'USD')}
        </p>
        {card.balance.held > 0 ? <p class="note">{t('held', { amount: money(card.balance.held, 'USD') })}</p> : null}
        <div class="row actions">
          {/*
            One element for both, so a keyboard's focus stays on it when freezing turns it into unfreezing;
            never `disabled` while busy (the browser would drop the focus), the action ignores a second press instead.
          */}
          {card.status === 'active' || card.status === 'frozen' ? (
            <button
              type="button"
              id={card.status === 'active' ? 'freeze' : 'unfreeze'}
              onClick={() => freeze(card.status === 'active' ? 'freeze' : 'unfreeze')}
              aria-disabled={action.busy}
            >
              {card.status === 'active' ? t('freeze') : t('unfreeze')}
            </button>
          ) : null}
          <a class="button" href={`#/activity/${card.id}`} id="card-activity">
            {t('cardStatement')}
          </a>
        </div>
        <Message id="card-message" text={note} kind="ok" />
        <Message text={action.error} kind="error" />
      </Section>
      {card.status !== 'closed' ? <RevealPanel card={card} revealed={revealed} onRevealed={setRevealed} /> : null}
      {card.status !== 'closed' ? <MovePanel card={card} onMoved={setCard} /> : null}
      {address !== null ? (
        <Section title={t('billingAddress')} id="billing-address">
          <p class="note">{t('billingAddressLead')}</p>
          <p id="billing-address-text">{addressText}</p>
          <CopyButton value={addressText} label={t('billingAddress')} />
        </Section>
      ) : null}
      <Section title={t('limits')} id="limits">
        <p id="limits-text">{t('limitsText', { tx: limit(limits.per_transaction), day: limit(limits.per_day), month: limit(limits.per_month) })}</p>
        <p class="note">{t('accountsRule', { n: card.controls.max_accounts_per_merchant })}</p>
      </Section>
      {card.status !== 'closed' ? <ControlsPanel card={card} onSaved={setCard} /> : null}
      <MerchantsPanel card={card} />
      {card.status !== 'closed' ? <ClosePanel card={card} onClosed={closed} /> : null}
    </>
  );
}

/**
 * Number, CVV2 and expiry after a fresh SMS code. They live in this
 * component's state only (never storage, never the URL), and are dropped
 * after 60 s, when the page is hidden, or when the screen is left.
 */
function RevealPanel(props: { readonly card: Card; readonly revealed: RevealedCard | null; readonly onRevealed: (details: RevealedCard | null) => void }) {
  const { t, me } = useApp();
  const { card, revealed, onRevealed } = props;
  const [codeSent, setCodeSent] = useState(false);
  const [code, setCode] = useState('');
  const [until, setUntil] = useState(0);
  const [now, setNow] = useState(Date.now());
  // Whether a copied number or CVV is waiting to be cleared from the clipboard (said once it was copied).
  const [clipboardNote, setClipboardNote] = useState(false);
  const action = useAction();
  const hide = useRef(() => onRevealed(null));
  hide.current = () => onRevealed(null);

  useEffect(() => {
    if (revealed === null) return;
    const tick = window.setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= until) hide.current();
    }, 1_000);
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') hide.current();
    };
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('pagehide', onVisibility);
    return () => {
      window.clearInterval(tick);
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('pagehide', onVisibility);
    };
  }, [revealed, until]);
  // Leaving the card's screen forgets the details.
  useEffect(() => () => hide.current(), []);

  const send = () =>
    action.run(async () => {
      await call('POST', `/issuer/v1/cards/${encodeURIComponent(card.id)}/reveal-code`);
      setCodeSent(true);
      setCode('');
    });
  const show = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const details = await call<RevealedCard>('POST', `/issuer/v1/cards/${encodeURIComponent(card.id)}/reveal`, { body: { code: code.trim() } });
      setUntil(Date.now() + REVEAL_MS);
      setNow(Date.now());
      setClipboardNote(false);
      setCodeSent(false);
      setCode('');
      onRevealed(details);
    });
  };

  return (
    <Section title={t('reveal')} id="reveal">
      {revealed !== null ? (
        <div id="revealed">
          <dl class="details">
            <dt>{t('cardNumber')}</dt>
            <dd>
              <span id="reveal-number" class="mono">
                {groupDigits(revealed.number)}
              </span>
              <CopyButton value={revealed.number} label={t('cardNumber')} id="copy-number" secret onCopied={() => setClipboardNote(true)} />
            </dd>
            <dt>{t('cvv')}</dt>
            <dd>
              <span id="reveal-cvc" class="mono">
                {revealed.cvc}
              </span>
              <CopyButton value={revealed.cvc} label={t('cvv')} id="copy-cvc" secret onCopied={() => setClipboardNote(true)} />
            </dd>
            <dt>{t('expiry')}</dt>
            <dd>
              <span id="reveal-exp" class="mono">
                {expiry(revealed.exp_month, revealed.exp_year)}
              </span>
              <CopyButton value={expiry(revealed.exp_month, revealed.exp_year)} label={t('expiry')} />
            </dd>
            <dt>{t('nameOnCard')}</dt>
            <dd>{card.cardholder_name}</dd>
          </dl>
          {clipboardNote ? <Message id="clipboard-note" text={t('clipboardClears', { seconds: CLIPBOARD_CLEAR_MS / 1_000 })} /> : null}
          <p class="note" id="reveal-countdown" aria-live="off">
            {t('revealHides', { seconds: Math.max(0, Math.ceil((until - now) / 1_000)) })}
          </p>
          <button type="button" id="reveal-hide" onClick={() => onRevealed(null)}>
            {t('hideNow')}
          </button>
        </div>
      ) : codeSent ? (
        <form id="reveal-form" onSubmit={show} novalidate>
          <label for="reveal-code">{t('code')}</label>
          <input id="reveal-code" inputMode="numeric" autoComplete="one-time-code" required maxLength={8} value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          <button type="submit" class="primary" id="reveal-show" disabled={action.busy}>
            {t('revealShow')}
          </button>
          <SandboxHint id="reveal-hint" text={t('sandboxSms')} command={`npx cardlane issuer sms-inbox --phone ${me?.phone ?? '…'}`} />
        </form>
      ) : (
        <>
          <p class="note">{t('revealLead')}</p>
          <button type="button" id="reveal-send" onClick={send} disabled={action.busy}>
            {t('revealSend')}
          </button>
        </>
      )}
      <Message text={action.error} kind="error" />
    </Section>
  );
}

function MovePanel(props: { readonly card: Card; readonly onMoved: (card: Card) => void }) {
  const { t } = useApp();
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const action = useAction();
  const move = (direction: 'load' | 'unload') => {
    const cents = parseAmount(amount);
    // The last move's confirmation goes with it: beside a refusal it would read as this move's success.
    setNote(null);
    if (cents === null) return action.setError(t('amountInvalid'));
    void action.run(async () => {
      const card = await call<Card>('POST', `/issuer/v1/cards/${encodeURIComponent(props.card.id)}/${direction}`, { body: { amount: cents }, idempotencyKey: newIdempotencyKey() });
      props.onMoved(card);
      setAmount('');
      setNote(t(direction === 'load' ? 'loaded' : 'unloaded', { amount: money(cents, 'USD') }));
    });
  };
  return (
    <Section title={`${t('load')} / ${t('unload')}`} id="move">
      <form id="move-form" onSubmit={(e) => { e.preventDefault(); move('load'); }} novalidate>
        <label for="move-amount">{t('moveAmount')}</label>
        <div class="with-unit">
          <span aria-hidden="true">$</span>
          <input id="move-amount" inputMode="decimal" required maxLength={12} placeholder="20.00" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
        </div>
        <div class="row">
          <button type="submit" id="load" disabled={action.busy}>
            {t('load')}
          </button>
          <button type="button" id="unload" onClick={() => move('unload')} disabled={action.busy}>
            {t('unload')}
          </button>
        </div>
      </form>
      <Message id="move-message" text={note} kind="ok" />
      <Message text={action.error} kind="error" />
    </Section>
  );
}
