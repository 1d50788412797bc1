import { useEffect, useState } from 'preact/hooks';
import { call } from '../api.ts';
import { useApp } from '../context.ts';
import { dateTime, money, parseAmount } from '../format.ts';
import { known } from '../i18n.ts';
import type { Dispute, DisputeReason, LineDispute } from '../types.ts';
import { Message, Section, errorText, useAction } from '../ui.tsx';

/**
 * Disputes in the cardholder app, over `POST/GET /issuer/v1/disputes`:
 * the form that opens one from a settled payment's statement line, and the
 * case with each of its steps. The API decides what may be disputed (time
 * limit, duplicates, what is left after refunds); its refusals come back in
 * the reader's language through Accept-Language and are shown as they are.
 */

const REASONS: readonly DisputeReason[] = ['fraud', 'product_not_received', 'duplicate', 'credit_not_processed', 'not_as_described'];
// The API's own limit on the evidence text (dispute-routes.ts).
const EVIDENCE_MAX = 2000;

/** The small state label a disputed line (or a dispute's own credit line) carries on the statement. */
export function DisputeBadge(props: { readonly dispute: LineDispute }) {
  const { t } = useApp();
  const { dispute } = props;
  const open = dispute.status === 'opening' || dispute.status === 'chargeback_sent' || dispute.status === 'merchant_responded' || dispute.status === 'deciding';
  const key = known('disputeBadge_', dispute.status);
  const label = open && dispute.provisional_credit > 0 ? t('disputeBadgeProvisional') : key === null ? dispute.status : t(key);
  return (
    <a href={`#/disputes/${dispute.id}`} class={`status dispute ${dispute.status}`} data-dispute-status={dispute.status}>
      {label}
    </a>
  );
}

/** Route `#/disputes/new/<authorization>/<cents>` opens the form; `#/disputes/<id>` shows the case. */
export function DisputeScreen(props: { readonly id: string; readonly authorizationId: string | null; readonly amount: number | null }) {
  if (props.id === 'new' && props.authorizationId !== null) return <DisputeForm authorizationId={props.authorizationId} amount={props.amount} />;
  return <DisputeCase id={props.id} />;
}

function DisputeForm(props: { readonly authorizationId: string; readonly amount: number | null }) {
  const { t, go } = useApp();
  const [reason, setReason] = useState<DisputeReason>('product_not_received');
  const [evidence, setEvidence] = useState('');
  const [amountText, setAmountText] = useState(props.amount === null ? '' : (props.amount / 100).toFixed(2));
  const action = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    if (evidence.trim() === '') {
      action.setError(t('disputeEvidenceMissing'));
      return;
    }
    const amount = amountText.trim() === '' ? null : parseAmount(amountText);
    if (amountText.trim() !== '' && amount === null) {
      action.setError(t('amountInvalid'));
      return;
    }
    void action.run(async () => {
      // Opening is not replayed by key: a second open of the same payment is refused as dispute_duplicate, which is shown.
      const dispute = await call<Dispute>('POST', '/issuer/v1/disputes', {
        body: { authorization_id: props.authorizationId, reason, evidence: evidence.trim(), ...(amount === null || amount === props.amount ? {} : { amount }) },
      });
      go(`/disputes/${dispute.id}`);
    });
  };

  return (
    <Section title={t('disputeTitle')} id="dispute-form">
      <p class="note">{t('disputeLead')}</p>
      <p class="note" id="dispute-time-limit">
        {t('disputeTimeLimit')}
      </p>
      <form onSubmit={submit} noValidate>
        <fieldset>
          <legend>{t('disputeReason')}</legend>
          {REASONS.map((value) => (
            <label key={value} class="choice">
              <input type="radio" name="reason" value={value} checked={reason === value} onChange={() => setReason(value)} />
              {t(`reason_${value}`)}
            </label>
          ))}
        </fieldset>
        <label for="dispute-evidence">{t('disputeEvidence')}</label>
        <textarea id="dispute-evidence" rows={5} maxLength={EVIDENCE_MAX} required value={evidence} onInput={(e) => setEvidence(e.currentTarget.value)} />
        <label for="dispute-amount">{t('disputeAmount')}</label>
        <input id="dispute-amount" inputMode="decimal" autocomplete="off" aria-describedby="dispute-amount-hint" value={amountText} onInput={(e) => setAmountText(e.currentTarget.value)} />
        <small id="dispute-amount-hint" class="note">
          {t('disputeAmountHint')}
        </small>
        <Message id="dispute-error" text={action.error} kind="error" />
        <button type="submit" id="dispute-submit" disabled={action.busy}>
          {t('disputeSubmit')}
        </button>
      </form>
    </Section>
  );
}

function DisputeCase(props: { readonly id: string }) {
  const { t, lang } = useApp();
  const [dispute, setDispute] = useState<Dispute | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<Dispute>('GET', `/issuer/v1/disputes/${encodeURIComponent(props.id)}`).then(setDispute, (e) => setError(errorText(t, e)));
  }, [props.id, lang]);

  if (error !== null) return <Message id="dispute-error" text={error} kind="error" />;
  if (dispute === null) return <p>{t('loading')}</p>;
  const currency = dispute.amount.currency.toUpperCase();
  const status = known('disputeBadge_', dispute.status);
  return (
    <Section title={t('disputeCaseTitle')} id="dispute-case">
      <dl class="facts">
        <dt>{t('disputeStatus')}</dt>
        <dd id="dispute-status" data-status={dispute.status}>
          {status === null ? dispute.status : t(status)}
        </dd>
        <dt>{t('disputeReasonLabel')}</dt>
        <dd>{t(`reason_${dispute.reason}`)}</dd>
        <dt>{t('disputeAmountLabel')}</dt>
        <dd>{money(dispute.amount.amount_minor, currency)}</dd>
        {dispute.provisional_credit > 0 ? (
          <>
            <dt>{t('disputeProvisional')}</dt>
            <dd id="dispute-provisional">{money(dispute.provisional_credit, currency)}</dd>
          </>
        ) : null}
        {dispute.merchant_respond_by !== null && dispute.closed_at === null ? (
          <>
            <dt>{t('disputeRespondBy')}</dt>
            <dd>{dateTime(dispute.merchant_respond_by, lang)}</dd>
          </>
        ) : null}
      </dl>
      <h3>{t('disputeSteps')}</h3>
      <ol class="steps" id="dispute-steps">
        {dispute.steps.map((step, index) => {
          const key = known('disputeStep_', step.step);
          return (
            <li key={index} data-step={step.step}>
              <strong>{key === null ? step.detail : t(key)}</strong>
              {step.amount_minor !== null ? <span> · {money(step.amount_minor, currency)}</span> : null}
              <br />
              <small>
                <time dateTime={step.at}>{dateTime(step.at, lang)}</time>
              </small>
            </li>
          );
        })}
      </ol>
      <p>
        <a href={`#/activity/${dispute.card_id}`} class="button">
          {t('back')}
        </a>
      </p>
    </Section>
  );
}
