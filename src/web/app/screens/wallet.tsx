import { useRef, useState } from 'preact/hooks';
import { ApiError, call, newIdempotencyKey } from '../api.ts';
import { useApp } from '../context.ts';
import { dateTime, money, parseAmount, when } from '../format.ts';
import { useMinuteNow } from '../minute-clock.ts';
import { known } from '../i18n.ts';
import { QrCode } from '../qr-code.tsx';
import type { Amount, List, Quote, TopUp, Wallet, WalletEntry, Withdrawal } from '../types.ts';
import { Message, SandboxHint, Section, usePolling, useAction } from '../ui.tsx';
import { walletLineLabel } from '../wording.ts';
import { KycNeeded } from './kyc.tsx';

/** A statement line as the wallet reads it: a top-up's line names its order and the order's own status. */
type WalletLine = WalletEntry & { readonly top_up_id?: string | null; readonly top_up_status?: string | null };

/** What a withdrawal would pay out now (GET /wallet/withdrawal-quote: the server's own arithmetic). */
interface WithdrawalQuote {
  readonly amount: Amount;
  readonly fee: Amount;
  readonly payout: Amount;
  readonly payout_cny: Amount;
  readonly rate: string;
  readonly wallet_available: Amount;
  readonly sufficient: boolean;
}

/** The newest Alipay order still waiting for payment, if the recent lines have one: the wallet offers to continue it. */
function openTopUpId(entries: readonly WalletLine[]): string | null {
  return entries.find((e) => e.type === 'top_up' && e.top_up_status === 'created' && typeof e.top_up_id === 'string')?.top_up_id ?? null;
}

// While the app is open the balance follows the ledger; faster while a payment page waits for Alipay.
const BALANCE_POLL_MS = 5_000;
const ORDER_POLL_MS = 1_500;

/** The wallet: balance (live), top-up in CNY through Alipay (quote, QR, credited), withdrawal, recent movements. */
export function WalletScreen() {
  const { t, me, lang } = useApp();
  // "现在" becomes "1 分钟前" by itself: the page's one minute clock moves the lines' relative times.
  const nowMs = useMinuteNow();
  const [wallet, setWallet] = useState<Wallet | null>(null);
  const [entries, setEntries] = useState<readonly WalletLine[]>([]);
  const approved = me?.kyc_status === 'approved';

  const refresh = async () => {
    const [w, s] = await Promise.all([call<Wallet>('GET', '/issuer/v1/wallet'), call<List<WalletLine>>('GET', '/issuer/v1/wallet/statement?limit=10')]);
    setWallet(w);
    setEntries(s.data);
  };
  usePolling(refresh, BALANCE_POLL_MS, true);

  return (
    <>
      <Section title={t('walletTitle')} id="wallet">
        <p class="label">{t('available')}</p>
        <p class="balance" id="wallet-balance">
          {wallet === null ? '…' : money(wallet.available.amount_minor, 'USD')}
        </p>
        {wallet !== null && wallet.pending.amount_minor > 0 ? <p class="note">{t('pendingOut', { amount: money(wallet.pending.amount_minor, 'USD') })}</p> : null}
      </Section>
      {approved ? (
        <>
          <TopUpPanel onCredited={refresh} openOrderId={openTopUpId(entries)} />
          <WithdrawPanel onDone={refresh} />
        </>
      ) : (
        <KycNeeded />
      )}
      <Section title={t('walletActivity')} id="wallet-activity">
        {entries.length === 0 ? <p class="note">{t('noActivity')}</p> : null}
        <ul class="lines" id="wallet-lines">
          {entries.map((entry) => {
            const status = known('status_', entry.status);
            return (
              <li key={entry.id}>
                <span class="what">{walletLineLabel(t, entry)}</span>
                <span class="amount">{money(entry.amount.amount_minor, entry.amount.currency)}</span>
                <span class="when">
                  {when(entry.created_at, lang, nowMs)} · {status === null ? entry.status : t(status)}
                </span>
              </li>
            );
          })}
        </ul>
      </Section>
    </>
  );
}

function TopUpPanel(props: { readonly onCredited: () => Promise<void>; readonly openOrderId: string | null }) {
  const { t, lang } = useApp();
  const [amount, setAmount] = useState('');
  const [quote, setQuote] = useState<Quote | null>(null);
  const [order, setOrder] = useState<TopUp | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction();

  const getQuote = (event: Event) => {
    event.preventDefault();
    const fen = parseAmount(amount);
    if (fen === null) return action.setError(t('amountInvalid'));
    setNotice(null);
    void action.run(async () => {
      setQuote(await call<Quote>('POST', '/issuer/v1/wallet/top-up-quotes', { body: { cny_amount: fen } }));
    });
  };
  const pay = () =>
    action.run(async () => {
      if (quote === null) return;
      setOrder(await call<TopUp>('POST', '/issuer/v1/wallet/top-ups', { body: { quote_id: quote.id } }));
    });
  // An order left open (the person went to another screen) is shown again as it is now: still payable, or how it ended.
  const resume = (orderId: string) =>
    action.run(async () => {
      setNotice(null);
      setOrder(await call<TopUp>('GET', `/issuer/v1/wallet/top-ups/${encodeURIComponent(orderId)}`));
    });

  const waiting = order !== null && (order.status === 'created' || order.status === 'paid');
  usePolling(
    async () => {
      if (order === null) return;
      const next = await call<TopUp>('GET', `/issuer/v1/wallet/top-ups/${encodeURIComponent(order.id)}`);
      setOrder(next);
      if (next.status === 'credited') await props.onCredited();
    },
    ORDER_POLL_MS,
    waiting,
  );

  const reset = () => {
    setOrder(null);
    setQuote(null);
    setAmount('');
  };
  /**
   * Leaves the QR screen with the order closed on the server, so the code
   * already shown can no longer be paid: for "cancel", and for "change the
   * amount" (a new amount is a new order; two payable codes invite paying twice).
   */
  const closeOrder = (then: 'cancel' | 'change') =>
    action.run(async () => {
      if (order === null) return;
      try {
        await call<TopUp>('POST', `/issuer/v1/wallet/top-ups/${encodeURIComponent(order.id)}/cancel`);
      } catch (error) {
        // Paid meanwhile (or ended): show it as it is now rather than leaving.
        if (error instanceof ApiError && error.code === 'resource_conflict') {
          setOrder(await call<TopUp>('GET', `/issuer/v1/wallet/top-ups/${encodeURIComponent(order.id)}`));
          setNotice(t('topUpCancelClosedOnly'));
          return;
        }
        throw error;
      }
      const cny = order.cny_amount.amount_minor;
      setOrder(null);
      setQuote(null);
      setAmount(then === 'change' ? String(cny / 100) : '');
      setNotice(then === 'cancel' ? t('topUpCancelled') : null);
      await props.onCredited();
    });

  if (order !== null) {
    const statusKey = known('topup_', order.status);
    return (
      <Section title={t('alipayTitle')} id="alipay">
        <p class="pay-amount" id="alipay-amount">
          {money(order.cny_amount.amount_minor, 'CNY')}
        </p>
        {waiting ? (
          <>
            <p>{t('alipayScan', { amount: money(order.cny_amount.amount_minor, 'CNY') })}</p>
            <QrCode id="alipay-qr" value={order.qr_payload ?? order.pay_url ?? order.id} label={t('alipayScan', { amount: money(order.cny_amount.amount_minor, 'CNY') })} />
            <Message id="alipay-status" text={t('alipayWaiting')} />
            <SandboxHint id="alipay-hint" text={t('sandboxAlipay')} command={`npx cardlane issuer top-up pay ${order.id}`} />
            {order.status === 'created' ? (
              <>
                <p class="note" id="alipay-leave-note">
                  {t('topUpLeaveNote', { time: dateTime(order.expires_at, lang) })}
                </p>
                <div class="actions">
                  <button type="button" id="top-up-change" onClick={() => closeOrder('change')} disabled={action.busy}>
                    {t('changeAmount')}
                  </button>
                  <button type="button" id="top-up-cancel" onClick={() => closeOrder('cancel')} disabled={action.busy}>
                    {t('topUpCancel')}
                  </button>
                </div>
              </>
            ) : null}
          </>
        ) : order.status === 'credited' ? (
          <Message id="alipay-status" text={t('alipayCredited', { amount: money(order.usd_amount.amount_minor, 'USD') })} kind="ok" />
        ) : (
          <Message id="alipay-status" text={t('alipayEnded', { status: statusKey === null ? order.status : t(statusKey) })} kind="error" />
        )}
        {!waiting ? (
          <button type="button" id="top-up-again" onClick={reset}>
            {t('newTopUp')}
          </button>
        ) : null}
        <Message id="alipay-notice" text={notice} />
        <Message text={action.error} kind="error" />
      </Section>
    );
  }

  return (
    <Section title={t('topUpTitle')} id="top-up">
      {props.openOrderId !== null ? (
        <OpenTopUp orderId={props.openOrderId} onResume={() => resume(props.openOrderId!)} busy={action.busy} />
      ) : null}
      <form id="quote-form" onSubmit={getQuote} novalidate>
        <label for="top-up-amount">{t('topUpAmount')}</label>
        <div class="with-unit">
          <span aria-hidden="true">¥</span>
          <input id="top-up-amount" inputMode="decimal" required maxLength={12} placeholder="200" value={amount} onInput={(e) => { setAmount(e.currentTarget.value); setQuote(null); }} />
        </div>
        <button type="submit" id="get-quote" disabled={action.busy}>
          {t('getQuote')}
        </button>
      </form>
      {quote !== null ? (
        <div class="quote" id="quote">
          <h3>{t('quoteTitle')}</h3>
          <dl>
            <dt>{t('youPay')}</dt>
            <dd id="quote-pay">{money(quote.cny_amount.amount_minor, 'CNY')}</dd>
            <dt>{t('fee')}</dt>
            <dd id="quote-fee">{money(quote.fee.amount_minor, 'CNY')}</dd>
            <dt>{t('rate')}</dt>
            <dd id="quote-rate">{t('rateText', { cny: quote.rate })}</dd>
            <dt>{t('youGet')}</dt>
            <dd id="quote-usd" class="strong">
              {money(quote.usd_amount.amount_minor, 'USD')}
            </dd>
          </dl>
          <p class="note">{t('quoteExpires', { time: dateTime(quote.expires_at, lang) })}</p>
          <button type="button" class="primary alipay" id="pay-alipay" onClick={pay} disabled={action.busy}>
            {t('payWithAlipay')}
          </button>
        </div>
      ) : null}
      <Message id="top-up-notice" text={notice} kind="ok" />
      <Message text={action.error} kind="error" />
    </Section>
  );
}

/** An order left waiting for payment: its amount and deadline, and the way back to its QR code. */
function OpenTopUp(props: { readonly orderId: string; readonly onResume: () => void; readonly busy: boolean }) {
  const { t, lang } = useApp();
  const [order, setOrder] = useState<TopUp | null>(null);
  usePolling(
    async () => {
      if (order?.id !== props.orderId) setOrder(await call<TopUp>('GET', `/issuer/v1/wallet/top-ups/${encodeURIComponent(props.orderId)}`));
    },
    BALANCE_POLL_MS,
    true,
  );
  // Past its deadline it cannot be paid any more, even before the server's sweep marks it expired.
  if (order === null || order.id !== props.orderId || order.status !== 'created' || Date.parse(order.expires_at) <= Date.now()) return null;
  return (
    <div class="open-order" id="open-top-up">
      <p>{t('topUpOpen', { amount: money(order.cny_amount.amount_minor, 'CNY'), time: dateTime(order.expires_at, lang) })}</p>
      <button type="button" class="primary" id="resume-top-up" onClick={props.onResume} disabled={props.busy}>
        {t('topUpResume')}
      </button>
    </div>
  );
}

function WithdrawPanel(props: { readonly onDone: () => Promise<void> }) {
  const { t } = useApp();
  const [amount, setAmount] = useState('');
  const [preview, setPreview] = useState<WithdrawalQuote | null>(null);
  const [done, setDone] = useState<Withdrawal | null>(null);
  // One key per amount typed: a retry of the same withdrawal (a lost answer) never pays out twice.
  const key = useRef<{ amount: number; key: string } | null>(null);
  const action = useAction();

  // Step 1: the server prices it (fee, USD and CNY at its rate); nothing leaves the wallet yet.
  const showPreview = (event: Event) => {
    event.preventDefault();
    const cents = parseAmount(amount);
    if (cents === null) return action.setError(t('amountInvalid'));
    setDone(null);
    void action.run(async () => {
      setPreview(await call<WithdrawalQuote>('GET', `/issuer/v1/wallet/withdrawal-quote?amount=${cents}`));
    });
  };
  // Step 2: the person confirmed the figures they saw.
  const confirm = () => {
    if (preview === null) return;
    const cents = preview.amount.amount_minor;
    if (key.current?.amount !== cents) key.current = { amount: cents, key: newIdempotencyKey() };
    const idempotencyKey = key.current.key;
    void action.run(async () => {
      const withdrawal = await call<Withdrawal>('POST', '/issuer/v1/wallet/withdrawals', { body: { amount: cents }, idempotencyKey });
      setDone(withdrawal);
      setPreview(null);
      key.current = null;
      setAmount('');
      await props.onDone();
    });
  };

  return (
    <Section title={t('withdrawTitle')} id="withdraw">
      <form id="withdraw-form" onSubmit={showPreview} novalidate>
        <label for="withdraw-amount">{t('withdrawAmount')}</label>
        <div class="with-unit">
          <span aria-hidden="true">$</span>
          <input id="withdraw-amount" inputMode="decimal" required maxLength={12} placeholder="10.00" value={amount} onInput={(e) => { setAmount(e.currentTarget.value); setPreview(null); }} />
        </div>
        <button type="submit" id="withdraw-submit" disabled={action.busy}>
          {t('withdrawPreview')}
        </button>
      </form>
      {preview !== null ? (
        <div class="quote" id="withdraw-preview">
          <h3>{t('withdrawPreviewTitle')}</h3>
          <dl>
            <dt>{t('withdrawTaken')}</dt>
            <dd id="withdraw-preview-amount">{money(preview.amount.amount_minor, 'USD')}</dd>
            <dt>{t('fee')}</dt>
            <dd id="withdraw-preview-fee">{money(preview.fee.amount_minor, 'USD')}</dd>
            <dt>{t('withdrawPayoutUsd')}</dt>
            <dd id="withdraw-preview-payout">{money(preview.payout.amount_minor, 'USD')}</dd>
            <dt>{t('rate')}</dt>
            <dd id="withdraw-preview-rate">{t('rateText', { cny: preview.rate })}</dd>
            <dt>{t('withdrawArrives')}</dt>
            <dd id="withdraw-preview-cny" class="strong">
              {money(preview.payout_cny.amount_minor, 'CNY')}
            </dd>
          </dl>
          <p class="note">{t('withdrawRateNote')}</p>
          {preview.sufficient ? (
            <button type="button" class="primary" id="withdraw-confirm" onClick={confirm} disabled={action.busy}>
              {t('withdrawConfirm', { amount: money(preview.amount.amount_minor, 'USD') })}
            </button>
          ) : (
            <Message id="withdraw-short" kind="error" text={t('withdrawWalletShort', { available: money(preview.wallet_available.amount_minor, 'USD') })} />
          )}
          <button type="button" id="withdraw-change" onClick={() => setPreview(null)} disabled={action.busy}>
            {t('changeAmount')}
          </button>
        </div>
      ) : null}
      {done !== null ? (
        <Message
          id="withdraw-message"
          kind={done.status === 'failed' ? 'error' : 'ok'}
          text={t('withdrawDone', {
            status: t(`withdrawal_${done.status}`),
            amount: money(done.amount.amount_minor, 'USD'),
            fee: money(done.fee.amount_minor, 'USD'),
            cny: money(done.payout_cny.amount_minor, 'CNY'),
          })}
        />
      ) : null}
      <Message text={action.error} kind="error" />
    </Section>
  );
}
