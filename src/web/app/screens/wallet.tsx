import { useRef, useState } from 'preact/hooks';
import { call, newIdempotencyKey } from '../api.ts';
import { useApp } from '../context.ts';
import { dateTime, money, parseAmount, when } from '../format.ts';
import { known } from '../i18n.ts';
import { QrCode } from '../qr-code.tsx';
import type { List, Quote, TopUp, Wallet, WalletEntry, Withdrawal } from '../types.ts';
import { Message, SandboxHint, Section, usePolling, useAction } from '../ui.tsx';
import { walletLineLabel } from '../wording.ts';
import { KycNeeded } from './kyc.tsx';

// While the app is open the balance follows the ledger; faster while a payment page waits for Alipay.
const BALANCE_POLL_MS = 5_000;
const ORDER_POLL_MS = 1_500;

/** The wallet: balance (live), top-up in CNY through Alipay (quote, QR, credited), withdrawal, recent movements. */
export function WalletScreen() {
  const { t, me, lang } = useApp();
  const [wallet, setWallet] = useState<Wallet | null>(null);
  const [entries, setEntries] = useState<readonly WalletEntry[]>([]);
  const approved = me?.kyc_status === 'approved';

  const refresh = async () => {
    const [w, s] = await Promise.all([call<Wallet>('GET', '/issuer/v1/wallet'), call<List<WalletEntry>>('GET', '/issuer/v1/wallet/statement?limit=10')]);
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
          <TopUpPanel onCredited={refresh} />
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
                  {when(entry.created_at, lang)} · {status === null ? entry.status : t(status)}
                </span>
              </li>
            );
          })}
        </ul>
      </Section>
    </>
  );
}

function TopUpPanel(props: { readonly onCredited: () => Promise<void> }) {
  const { t, lang } = useApp();
  const [amount, setAmount] = useState('');
  const [quote, setQuote] = useState<Quote | null>(null);
  const [order, setOrder] = useState<TopUp | null>(null);
  const action = useAction();

  const getQuote = (event: Event) => {
    event.preventDefault();
    const fen = parseAmount(amount);
    if (fen === null) return action.setError(t('amountInvalid'));
    void action.run(async () => {
      setQuote(await call<Quote>('POST', '/issuer/v1/wallet/top-up-quotes', { body: { cny_amount: fen } }));
    });
  };
  const pay = () =>
    action.run(async () => {
      if (quote === null) return;
      setOrder(await call<TopUp>('POST', '/issuer/v1/wallet/top-ups', { body: { quote_id: quote.id } }));
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
      </Section>
    );
  }

  return (
    <Section title={t('topUpTitle')} id="top-up">
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
      <Message text={action.error} kind="error" />
    </Section>
  );
}

function WithdrawPanel(props: { readonly onDone: () => Promise<void> }) {
  const { t } = useApp();
  const [amount, setAmount] = useState('');
  const [done, setDone] = useState<Withdrawal | null>(null);
  // One key per amount typed: a retry of the same withdrawal (a lost answer) never pays out twice.
  const key = useRef<{ amount: number; key: string } | null>(null);
  const action = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    const cents = parseAmount(amount);
    if (cents === null) return action.setError(t('amountInvalid'));
    if (key.current?.amount !== cents) key.current = { amount: cents, key: newIdempotencyKey() };
    const idempotencyKey = key.current.key;
    void action.run(async () => {
      const withdrawal = await call<Withdrawal>('POST', '/issuer/v1/wallet/withdrawals', { body: { amount: cents }, idempotencyKey });
      setDone(withdrawal);
      key.current = null;
      setAmount('');
      await props.onDone();
    });
  };

  return (
    <Section title={t('withdrawTitle')} id="withdraw">
      <form id="withdraw-form" onSubmit={submit} novalidate>
        <label for="withdraw-amount">{t('withdrawAmount')}</label>
        <div class="with-unit">
          <span aria-hidden="true">$</span>
          <input id="withdraw-amount" inputMode="decimal" required maxLength={12} placeholder="10.00" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
        </div>
        <button type="submit" id="withdraw-submit" disabled={action.busy}>
          {t('withdraw')}
        </button>
      </form>
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
