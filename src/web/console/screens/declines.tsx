import { useEffect, useRef, useState } from 'preact/hooks';
import { money } from '../../shared/format.ts';
import { api } from '../api.ts';
import { useConsole } from '../context.ts';
import { usePagedList } from '../paged-list.ts';
import { refusal, Said, useMessage } from '../said.tsx';
import { named } from '../strings.ts';
import type { DeclineItem, DeclineSummary } from '../types.ts';
import { ListFooter, Time } from '../ui.tsx';

const HOUR_MS = 3600_000;
const PRESETS = { '1h': HOUR_MS, '24h': 24 * HOUR_MS, '7d': 7 * 24 * HOUR_MS, '30d': 30 * 24 * HOUR_MS } as const;
type Preset = keyof typeof PRESETS | 'custom';
const MAX_SPAN_MS = 93 * 24 * HOUR_MS;

interface Period {
  readonly from: string;
  readonly to: string;
}

function presetPeriod(preset: keyof typeof PRESETS): Period {
  const toMs = Date.now() + 60_000; // a minute ahead: a decline that just happened is inside
  return { from: new Date(toMs - PRESETS[preset]).toISOString(), to: new Date(toMs).toISOString() };
}

/** A <input type="datetime-local"> value for a moment, in the reader's own zone. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

const percent = (part: number, whole: number, lang: string) => new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(whole === 0 ? 0 : part / whole);

/**
 * Authorizations and declines over a chosen period: how many the network
 * answered, the declines by cause (the doctor's six causes and "other"),
 * each split by who decided, the response code and the reason — then the
 * latest declines themselves.
 */
export function DeclinesScreen() {
  const { t, lang } = useConsole();
  const [preset, setPreset] = useState<Preset>('24h');
  const [period, setPeriod] = useState<Period>(() => presetPeriod('24h'));
  const [summary, setSummary] = useState<DeclineSummary | null>(null);
  // Refused or unreachable: the message says so, and no "Loading…" stays beside it as if an answer were still coming.
  const [summaryFailed, setSummaryFailed] = useState(false);
  const message = useMessage();
  const fromField = useRef<HTMLInputElement>(null);
  const toField = useRef<HTMLInputElement>(null);
  const query = `from=${encodeURIComponent(period.from)}&to=${encodeURIComponent(period.to)}`;
  const list = usePagedList<DeclineItem>(`/doctor/v1/declines?limit=20&${query}`);

  useEffect(() => {
    let live = true;
    setSummary(null);
    setSummaryFailed(false);
    void api<DeclineSummary>('GET', `/doctor/v1/declines/summary?${query}`).then((answer) => {
      if (!live) return;
      if (answer.ok) return setSummary(answer.body);
      setSummaryFailed(true);
      message.show('error', refusal(answer));
    });
    return () => {
      live = false;
    };
  }, [query]);

  const apply = (event: Event) => {
    event.preventDefault();
    message.clear();
    if (preset !== 'custom') return setPeriod(presetPeriod(preset));
    const fromMs = Date.parse(fromField.current?.value ?? '');
    const toMs = Date.parse(toField.current?.value ?? '');
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs || toMs - fromMs > MAX_SPAN_MS) return message.show('error', (t) => t('badPeriod'));
    setPeriod({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
  };

  return (
    <>
      <section class="panel" aria-labelledby="declines-title">
        <h2 id="declines-title" tabIndex={-1}>
          {t('declinesTitle')}
        </h2>
        <form id="period-form" class="period" noValidate onSubmit={apply}>
          <div>
            <label for="period-preset">{t('period')}</label>
            <select id="period-preset" value={preset} onChange={(event) => setPreset((event.currentTarget as HTMLSelectElement).value as Preset)}>
              {(['1h', '24h', '7d', '30d', 'custom'] as const).map((p) => (
                <option key={p} value={p}>
                  {t(`p_${p}`)}
                </option>
              ))}
            </select>
          </div>
          {preset === 'custom' ? (
            <>
              <div>
                <label for="period-from">{t('from')}</label>
                <input id="period-from" ref={fromField} type="datetime-local" defaultValue={localInput(Date.parse(period.from))} />
              </div>
              <div>
                <label for="period-to">{t('to')}</label>
                <input id="period-to" ref={toField} type="datetime-local" defaultValue={localInput(Date.parse(period.to))} />
              </div>
            </>
          ) : null}
          <button type="submit" id="period-show" class="primary">
            {t('show')}
          </button>
        </form>
        <Said id="declines-message" shown={message.shown} t={t} lang={lang} />
        <p id="period-shown" class="note">
          <Time iso={period.from} /> – <Time iso={period.to} />
        </p>
        {summary ? (
          <dl id="declines-totals" class="tiles">
            <div>
              <dt>{t('authorizations')}</dt>
              <dd id="total-authorizations">{summary.authorizations}</dd>
            </div>
            <div>
              <dt>{t('approvedCount')}</dt>
              <dd id="total-approved">{summary.approved}</dd>
            </div>
            <div>
              <dt>{t('declinedCount')}</dt>
              <dd id="total-declined">
                {summary.declined} <small>{t('declineRate', { rate: percent(summary.declined, summary.authorizations, lang) })}</small>
              </dd>
            </div>
          </dl>
        ) : summaryFailed ? null : (
          <p id="declines-loading" class="note">
            {t('loading')}
          </p>
        )}
      </section>

      <section class="panel" aria-labelledby="causes-title">
        <h2 id="causes-title">{t('byCause')}</h2>
        {summary && summary.causes.length === 0 ? <p class="note">{t('noDeclines')}</p> : null}
        <div id="causes">
          {(summary?.causes ?? []).map((cause) => (
            <div key={cause.seed_cause} class="cause" data-cause={cause.seed_cause}>
              <h3>
                <span>{cause.title[lang]}</span> <span class="count">{cause.count}</span>
              </h3>
              <table class="stacked">
                <thead>
                  <tr>
                    <th scope="col">{t('col_reason')}</th>
                    <th scope="col">{t('col_code')}</th>
                    <th scope="col">{t('col_decider')}</th>
                    <th scope="col" class="num">
                      {t('col_count')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {cause.groups.map((g) => (
                    <tr key={`${g.decided_by}-${g.response_code}-${g.reason}`} data-code={g.response_code} data-reason={g.reason}>
                      <td data-label={t('col_reason')} class="wide">
                        {g.title[lang]}
                        {g.retryable ? <span class="tag">{t('retryable')}</span> : null}
                      </td>
                      <td data-label={t('col_code')}>
                        <span class="mono">{g.response_code}</span>
                      </td>
                      <td data-label={t('col_decider')}>{named(t, 'decider_', g.decided_by)}</td>
                      <td data-label={t('col_count')} class="amount">
                        {g.count}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </div>
      </section>

      <section class="panel" aria-labelledby="recent-title">
        <h2 id="recent-title">{t('recentDeclines')}</h2>
        <table id="declines-list" class="stacked">
          <thead>
            <tr>
              <th scope="col">{t('col_time')}</th>
              <th scope="col">{t('col_card')}</th>
              <th scope="col">{t('col_merchant')}</th>
              <th scope="col" class="num">
                {t('col_amount')}
              </th>
              <th scope="col">{t('col_reason')}</th>
              <th scope="col">{t('col_code')}</th>
            </tr>
          </thead>
          <tbody>
            {(list.items ?? []).map((item) => (
              <tr key={item.id} data-id={item.id}>
                <td data-label={t('col_time')}>
                  <Time iso={item.answered_at} />
                </td>
                <td data-label={t('col_card')}>
                  <span class="mono">
                    {item.card.brand ?? ''} •••• {item.card.last4 ?? '????'}
                  </span>
                </td>
                <td data-label={t('col_merchant')}>
                  {item.merchant.name ?? ''}
                  {item.initiator ? <span class="tag">{named(t, 'initiator_', item.initiator)}</span> : null}
                </td>
                <td data-label={t('col_amount')} class="amount">
                  {item.amount ? money(item.amount.amount_minor, item.amount.currency) : ''}
                </td>
                <td data-label={t('col_reason')} class="wide">
                  {item.title[lang]} <span class="note">({item.cause_title[lang]})</span>
                </td>
                <td data-label={t('col_code')}>
                  <span class="mono">{item.response_code}</span> · {named(t, 'decider_', item.decided_by)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <ListFooter id="declines" empty={list.items?.length === 0} emptyText={t('noDeclines')} hasMore={list.hasMore} busy={list.busy} failed={list.failed} onMore={list.more} />
      </section>
    </>
  );
}
