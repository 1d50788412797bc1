import { useEffect, useState } from 'preact/hooks';
import { call } from '../api.ts';
import { useApp } from '../context.ts';
import { dateTime, money } from '../format.ts';
import { known } from '../i18n.ts';
import type { Trace, TraceAttempt } from '../types.ts';
import { errorText, Section } from '../ui.tsx';

/** "为什么被拒绝？": the doctor's cardholder view of one authorization. */
export function WhyScreen(props: { readonly authorizationId: string }) {
  const { t, lang } = useApp();
  const [trace, setTrace] = useState<Trace | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setTrace(null);
    call<Trace>('GET', `/doctor/v1/traces/${encodeURIComponent(props.authorizationId)}?view=cardholder&lang=${lang}`)
      .then(setTrace)
      .catch((e: unknown) => setError(errorText(t, e)));
  }, [props.authorizationId, lang]);

  return (
    <Section title={t('whyTitle')} id="why">
      {error !== null ? <p class="message error" role="alert">{error}</p> : null}
      {trace === null && error === null ? <p>{t('loading')}</p> : null}
      {trace !== null ? (
        <>
          <p class="lead" id="why-summary">
            {trace.summary}
          </p>
          {trace.attempts.map((attempt, i) => (
            <Attempt key={i} attempt={attempt} />
          ))}
        </>
      ) : null}
      <button type="button" onClick={() => history.back()}>
        {t('back')}
      </button>
    </Section>
  );
}

export function Attempt(props: { readonly attempt: TraceAttempt }) {
  const { t, lang } = useApp();
  const { attempt } = props;
  const verdict = attempt.verdict;
  return (
    <article class={`attempt ${verdict.outcome}`}>
      <h3>{verdict.title}</h3>
      <p class="note">
        {attempt.merchant.name ?? ''} · {money(attempt.amount, attempt.currency)} · {dateTime(attempt.created_at, lang)}
      </p>
      <p class="explanation">{verdict.explanation}</p>
      {verdict.remedy !== null ? (
        <>
          <h4>{t('whatToDo')}</h4>
          <p class="remedy">{verdict.remedy}</p>
        </>
      ) : null}
      {attempt.seed_remedy.recommended ? (
        <>
          <h4>{t('seedRemedy')}</h4>
          <p>{attempt.seed_remedy.summary}</p>
          <ol>
            {attempt.seed_remedy.steps.map((step, i) => (
              <li key={i}>{step}</li>
            ))}
          </ol>
        </>
      ) : null}
      <h4>{t('path')}</h4>
      <ol class="hops">
        {attempt.hops.map((hop, i) => {
          const party = known('party_', hop.party);
          return (
            <li key={i} class={`hop ${hop.status}`}>
              <strong>{party === null ? hop.party : t(party)}</strong> {hop.summary}
            </li>
          );
        })}
      </ol>
    </article>
  );
}
