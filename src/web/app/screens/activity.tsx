import { useEffect, useState } from 'preact/hooks';
import { call } from '../api.ts';
import { useApp } from '../context.ts';
import { money, when } from '../format.ts';
import { useMinuteNow } from '../minute-clock.ts';
import { known } from '../i18n.ts';
import type { Card, List, StatementLine } from '../types.ts';
import { Section, usePolling } from '../ui.tsx';
import { foldClearings, lineLabel } from '../wording.ts';
import { DisputeBadge } from './dispute.tsx';

const STATEMENT_POLL_MS = 5_000;

/** A card's statement: every movement with its status (a payment is one line, pending then completed); each decline says why and opens the doctor's view. */
export function ActivityScreen(props: { readonly cardId: string | null }) {
  const { t, go } = useApp();
  const [cards, setCards] = useState<readonly Card[] | null>(null);
  useEffect(() => {
    void call<List<Card>>('GET', '/issuer/v1/cards').then((list) => {
      setCards(list.data);
      const first = list.data[0];
      if (props.cardId === null && first !== undefined) go(`/activity/${first.id}`);
    });
  }, [props.cardId]);

  return (
    <Section title={t('activityTitle')} id="activity">
      {cards !== null && cards.length > 1 ? (
        <>
          <label for="activity-card">{t('chooseCard')}</label>
          <select id="activity-card" value={props.cardId ?? ''} onChange={(e) => go(`/activity/${e.currentTarget.value}`)}>
            {cards.map((card) => (
              <option key={card.id} value={card.id}>
                VISA •••• {card.last4}
              </option>
            ))}
          </select>
        </>
      ) : null}
      {cards !== null && cards.length === 0 ? <p class="note">{t('noCards')}</p> : null}
      {props.cardId !== null ? <Statement cardId={props.cardId} /> : null}
      <p>
        <a href="#/declined" id="declined-link" class="button">
          {t('declinedNothing')}
        </a>
      </p>
    </Section>
  );
}

function Statement(props: { readonly cardId: string }) {
  const { t, lang } = useApp();
  // "现在" becomes "1 分钟前" by itself: the page's one minute clock moves the lines' relative times.
  const nowMs = useMinuteNow();
  const [lines, setLines] = useState<readonly StatementLine[] | null>(null);
  usePolling(
    async () => setLines((await call<List<StatementLine>>('GET', `/issuer/v1/cards/${encodeURIComponent(props.cardId)}/statement?limit=50`)).data),
    STATEMENT_POLL_MS,
    true,
  );
  if (lines === null) return <p>{t('loading')}</p>;
  if (lines.length === 0) return <p class="note">{t('noActivity')}</p>;
  return (
    <ul class="lines" id="statement">
      {foldClearings(lines).map((line) => {
        const label = lineLabel(t, line.type);
        const status = known('status_', line.status);
        return (
          <li key={line.id} class={`line ${line.status}`} data-type={line.type}>
            <span class="what">
              {line.merchant?.name ?? label}
              {line.merchant !== null ? <small> · {label}</small> : null}
            </span>
            {NOTHING_MOVED.has(line.status) ? (
              // What was asked, struck: a minus sign would read as money taken.
              <span class="amount void">{money(Math.abs(line.amount), 'USD')}</span>
            ) : (
              <span class={`amount ${line.amount > 0 ? 'in' : ''}`}>{money(line.amount, 'USD')}</span>
            )}
            <span class="when">
              {when(line.created_at, lang, nowMs)} · <span class={`status ${line.status}`}>{status === null ? line.status : t(status)}</span>
              {line.dispute != null ? (
                <>
                  {' · '}
                  <DisputeBadge dispute={line.dispute} />
                </>
              ) : null}
            </span>
            {disputable(line) ? (
              <a href={`#/disputes/new/${line.authorization}/${-line.amount}`} class="why dispute-this">
                {t('disputeThis')}
              </a>
            ) : null}
            {line.decline !== null ? (
              <span class="decline">
                {lang === 'en' ? line.decline.message_en : line.decline.message_zh}
                {line.authorization !== null ? (
                  <a href={`#/why/${line.authorization}`} class="why">
                    {t('whyDeclined')}
                  </a>
                ) : null}
              </span>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

/** Lines whose money never left the card: declined, or a hold given back (reversed, expired). */
const NOTHING_MOVED: ReadonlySet<string> = new Set(['declined', 'reversed', 'expired']);

/** A completed card payment not yet disputed; the API still decides the rest (time limit, refunds). */
function disputable(line: StatementLine): boolean {
  return line.type === 'authorization' && line.status === 'settled' && line.amount < 0 && line.authorization !== null && line.dispute == null;
}
