import { useEffect, useState } from 'preact/hooks';
import { call } from '../api.ts';
import { useApp } from '../context.ts';
import type { Card, CatalogueEntry, List, Trace } from '../types.ts';
import { Message, Section, useAction } from '../ui.tsx';
import { Attempt } from './why.tsx';

const WINDOWS_MS = { lastHour: 3_600_000, today: 86_400_000, lastWeek: 7 * 86_400_000 } as const;
type WindowKey = keyof typeof WINDOWS_MS;

/**
 * "I was declined but see nothing here": asks for the merchant and roughly
 * when, runs the doctor's card + time-window query, and — when no attempt
 * reached the issuer — says what that means and what can work.
 */
export function DeclinedScreen() {
  const { t, lang } = useApp();
  const [cards, setCards] = useState<readonly Card[]>([]);
  const [cardId, setCardId] = useState('');
  const [merchant, setMerchant] = useState('');
  const [windowKey, setWindowKey] = useState<WindowKey>('today');
  const [result, setResult] = useState<{ trace: Trace; merchant: string } | null>(null);
  const [causes, setCauses] = useState<readonly CatalogueEntry[]>([]);
  const action = useAction();

  useEffect(() => {
    void call<List<Card>>('GET', '/issuer/v1/cards').then((list) => {
      setCards(list.data);
      setCardId((current) => current || (list.data[0]?.id ?? ''));
    });
  }, []);
  useEffect(() => {
    void call<List<CatalogueEntry>>('GET', `/doctor/v1/catalogue?lang=${lang}`).then((list) => {
      // One entry per seed cause, in the catalogue's order: the seed article's six reasons.
      const seen = new Set<string>();
      setCauses(list.data.filter((entry) => entry.seed_cause !== 'other' && !seen.has(entry.seed_cause) && seen.add(entry.seed_cause)));
    });
  }, [lang]);

  const check = (event: Event) => {
    event.preventDefault();
    if (cardId === '') return;
    void action.run(async () => {
      const to = new Date();
      const from = new Date(to.getTime() - WINDOWS_MS[windowKey]);
      // The cardholder's view, by name: the console's session cookie may be in this browser too (same origin).
      const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), lang, view: 'cardholder' });
      const trace = await call<Trace>('GET', `/doctor/v1/cards/${encodeURIComponent(cardId)}/traces?${query}`);
      setResult({ trace, merchant: merchant.trim() });
    });
  };

  const needle = result?.merchant.toLowerCase() ?? '';
  // Only declines: an approved payment is not what the person is looking for.
  const declined =
    result === null ? [] : result.trace.attempts.filter((a) => a.verdict.outcome === 'declined' && (needle === '' || (a.merchant.name ?? '').toLowerCase().includes(needle)));
  return (
    <>
      <Section title={t('nothingTitle')} id="declined">
        <p class="lead">{t('nothingLead')}</p>
        <form id="declined-form" onSubmit={check} novalidate>
          {cards.length > 1 ? (
            <>
              <label for="declined-card">{t('chooseCard')}</label>
              <select id="declined-card" value={cardId} onChange={(e) => setCardId(e.currentTarget.value)}>
                {cards.map((card) => (
                  <option key={card.id} value={card.id}>
                    VISA •••• {card.last4}
                  </option>
                ))}
              </select>
            </>
          ) : null}
          <label for="declined-merchant">{t('merchant')}</label>
          <input id="declined-merchant" maxLength={80} placeholder={t('merchantPlaceholder')} value={merchant} onInput={(e) => setMerchant(e.currentTarget.value)} />
          <label for="declined-when">{t('whenLabel')}</label>
          <select id="declined-when" value={windowKey} onChange={(e) => setWindowKey(e.currentTarget.value as WindowKey)}>
            {(Object.keys(WINDOWS_MS) as WindowKey[]).map((key) => (
              <option key={key} value={key}>
                {t(key)}
              </option>
            ))}
          </select>
          <button type="submit" class="primary" id="declined-check" disabled={action.busy || cardId === ''}>
            {t('check')}
          </button>
        </form>
        <Message text={action.error} kind="error" />
        {result !== null ? (
          <div id="declined-result" aria-live="polite">
            {declined.length > 0 ? <p>{t('foundAttempts')}</p> : null}
            {declined.map((attempt, i) => (
              <Attempt key={i} attempt={attempt} />
            ))}
            <div class="verdict">
              <h3 id="declined-none">{declined.length === 0 ? t('noneReached', { merchant: result.merchant || t('anyMerchant') }) : t('notListed')}</h3>
              <p>{t('noneReachedWhat')}</p>
              <p class="remedy">{t('noneReachedDo')}</p>
            </div>
          </div>
        ) : null}
      </Section>
      <Section title={t('causesTitle')} id="causes">
        <ol class="causes">
          {causes.map((entry) => (
            <li key={entry.seed_cause}>
              <strong>{entry.text.title}</strong>
              <p class="note">{entry.text.remedy}</p>
            </li>
          ))}
        </ol>
      </Section>
    </>
  );
}
