import { useEffect, useMemo, useState } from 'preact/hooks';
import { money } from '../../shared/format.ts';
import type { Lang } from '../../shared/lang.ts';
import { Message } from '../../shared/ui.tsx';
import { useBilling } from '../context.ts';
import { allPages, download } from '../org-api.ts';
import type { Bucket, CostResult, UsageResult } from '../org-types.ts';
import { CostChart } from './cost-chart.tsx';
import { useKeysDirectory } from './keys-directory.ts';
import { StackedHead } from './stacked-head.tsx';
import { usageText } from './usage-strings.ts';

/**
 * Usage and costs: a daily cost chart over the chosen period, what each
 * model and each API key cost, and the period as a CSV file. Everything
 * comes from the organization's Costs and Usage API (OpenAI's shapes), asked
 * for days that start at the reader's local midnight. Costs are added up as
 * integer cents (each amount is a decimal of whole cents), so the chart, the
 * totals and the tables agree with the ledger to the cent.
 */

const PERIODS = [7, 14, 30] as const;
type Period = (typeof PERIODS)[number];

/** The last `days` local days, today included: [start, end) in Unix seconds. */
function localDays(days: number): { startS: number; endS: number } {
  const now = new Date();
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1));
  const end = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  return { startS: Math.floor(start.getTime() / 1000), endS: Math.floor(end.getTime() / 1000) };
}

// An amount is a decimal of whole cents: this is exact for any amount below $10 trillion.
const centsOf = (result: CostResult) => Math.round(result.amount.value * 100);

interface Row {
  cents: number;
  requests: number;
  input: number;
  output: number;
}
const emptyRow = (): Row => ({ cents: 0, requests: 0, input: 0, output: 0 });

function dayLabel(lang: Lang) {
  const format = new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric' });
  return (startS: number) => format.format(startS * 1000);
}

export function UsagePanel() {
  const { lang, version } = useBilling();
  const u = useMemo(() => usageText(lang), [lang]);
  const [period, setPeriod] = useState<Period>(7);
  const [costs, setCosts] = useState<Bucket<CostResult>[] | null>(null);
  const [usage, setUsage] = useState<Bucket<UsageResult>[] | null>(null);
  const [failed, setFailed] = useState(false);
  const directory = useKeysDirectory();
  const range = useMemo(() => localDays(period), [period, version]);
  const query = `start_time=${range.startS}&end_time=${range.endS}`;

  useEffect(() => {
    let live = true;
    setCosts(null);
    setUsage(null);
    void Promise.all([
      allPages<Bucket<CostResult>>(`/costs?${query}&limit=${period + 1}&group_by=line_item&group_by=api_key_id&group_by=project_id`),
      allPages<Bucket<UsageResult>>(`/usage/completions?${query}&bucket_width=1d&limit=31&group_by=model&group_by=api_key_id`),
    ]).then(([c, us]) => {
      if (!live) return;
      if (c.ok) setCosts(c.body.data);
      if (us.ok) setUsage(us.body.data);
    });
    return () => {
      live = false;
    };
  }, [query, version]);

  const days = useMemo(() => (costs ?? []).map((b) => ({ startS: b.start_time, cents: b.results.reduce((sum, r) => sum + centsOf(r), 0) })), [costs]);
  const totalCents = days.reduce((sum, d) => sum + d.cents, 0);

  const byModel = new Map<string, Row>();
  const byKey = new Map<string, Row & { project: string | null }>();
  for (const bucket of costs ?? []) {
    for (const r of bucket.results) {
      const model = byModel.get(r.line_item ?? '') ?? emptyRow();
      byModel.set(r.line_item ?? '', model);
      model.cents += centsOf(r);
      const key = r.api_key_id ?? '';
      if (!byKey.has(key)) byKey.set(key, { ...emptyRow(), project: r.project_id });
      byKey.get(key)!.cents += centsOf(r);
    }
  }
  for (const bucket of usage ?? []) {
    for (const r of bucket.results) {
      const model = byModel.get(r.model ?? '') ?? emptyRow();
      byModel.set(r.model ?? '', model);
      model.requests += r.num_model_requests;
      model.input += r.input_tokens;
      model.output += r.output_tokens;
      const key = byKey.get(r.api_key_id ?? '') ?? { ...emptyRow(), project: r.project_id };
      byKey.set(r.api_key_id ?? '', key);
      key.requests += r.num_model_requests;
      key.input += r.input_tokens;
      key.output += r.output_tokens;
    }
  }
  const keyName = (id: string) => {
    if (id === '') return u('noKey');
    const key = directory?.keys.find((k) => k.id === id);
    if (key === undefined) return id;
    return key.revoked_at === null ? key.name : u('revokedMark', { name: key.name });
  };
  const projectName = (id: string | null) => (id === null ? '' : (directory?.projects.find((p) => p.id === id)?.name ?? id));
  const label = dayLabel(lang);
  const usd = (cents: number) => money(cents, 'USD');
  const loaded = costs !== null;
  const downloadCsv = async () => {
    setFailed(false);
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const ok = await download(`/costs/export?${query}&time_zone=${encodeURIComponent(zone)}`, `cardlane-costs-${period}d.csv`);
    setFailed(!ok);
  };

  return (
    <>
      <div class="inline">
        <label for="usage-period">{u('period')}</label>
        <select id="usage-period" value={String(period)} onChange={(e) => setPeriod(Number((e.target as HTMLSelectElement).value) as Period)}>
          {PERIODS.map((p) => (
            <option key={p} value={String(p)}>
              {u(p === 7 ? 'last7' : p === 14 ? 'last14' : 'last30')}
            </option>
          ))}
        </select>
        <button type="button" id="usage-csv" onClick={() => void downloadCsv()}>
          {u('downloadCsv')}
        </button>
      </div>
      <Message id="usage-message" kind={failed ? 'error' : ''} text={failed ? u('downloadFailed') : null} />
      <p id="usage-total" class="amount" data-total-cents={loaded ? totalCents : undefined}>
        {loaded ? u('totalCost', { amount: usd(totalCents) }) : u('loading')}
      </p>
      {loaded ? (
        <CostChart
          id="usage-chart"
          days={days}
          seriesLabel={u('chartCost')}
          dayLabel={label}
          label={u('chartLabel', { from: label(range.startS), to: label(days.at(-1)?.startS ?? range.startS), total: usd(totalCents) })}
        />
      ) : null}
      <h3 id="usage-by-model-title">{u('byModel')}</h3>
      <div class="scroll" tabIndex={0} role="region" aria-labelledby="usage-by-model-title">
        {/* On a phone each row is a card (table.stacked, billing.css), as in the payment history. */}
        <table id="usage-by-model" class="stacked" role="table">
          <StackedHead labels={[u('colModel'), u('colRequests'), u('colInput'), u('colOutput'), u('colCost')]} />
          <tbody role="rowgroup">
            {loaded && byModel.size === 0 ? (
              <tr role="row">
                <td role="cell" colSpan={5} class="note">
                  {u('noUsage')}
                </td>
              </tr>
            ) : null}
            {[...byModel].map(([model, row]) => (
              <tr role="row" key={model} data-model={model} data-cents={row.cents}>
                <td role="cell" data-label={u('colModel')} class="wide">
                  {model}
                </td>
                <td role="cell" data-label={u('colRequests')}>{row.requests.toLocaleString(lang)}</td>
                <td role="cell" data-label={u('colInput')}>{row.input.toLocaleString(lang)}</td>
                <td role="cell" data-label={u('colOutput')}>{row.output.toLocaleString(lang)}</td>
                <td role="cell" data-label={u('colCost')} class="amount">
                  {usd(row.cents)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3 id="usage-by-key-title">{u('byKey')}</h3>
      <div class="scroll" tabIndex={0} role="region" aria-labelledby="usage-by-key-title">
        <table id="usage-by-key" class="stacked" role="table">
          <StackedHead labels={[u('colKey'), u('colProject'), u('colRequests'), u('colCost')]} />
          <tbody role="rowgroup">
            {[...byKey].map(([id, row]) => (
              <tr role="row" key={id} data-key={id} data-cents={row.cents}>
                <td role="cell" data-label={u('colKey')}>{keyName(id)}</td>
                <td role="cell" data-label={u('colProject')}>{projectName(row.project)}</td>
                <td role="cell" data-label={u('colRequests')}>{row.requests.toLocaleString(lang)}</td>
                <td role="cell" data-label={u('colCost')} class="amount">
                  {usd(row.cents)}
                </td>
              </tr>
            ))}
          </tbody>
          {byKey.size > 0 ? (
            <tfoot role="rowgroup">
              <tr role="row">
                <th scope="row" role="rowheader" colSpan={3}>
                  {u('total')}
                </th>
                <td role="cell" data-label={u('colCost')} class="amount">
                  {usd(totalCents)}
                </td>
              </tr>
            </tfoot>
          ) : null}
        </table>
      </div>
    </>
  );
}
