import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useConsole } from '../context.ts';
import { refusal, Said, useMessage } from '../said.tsx';
import type { AuditAnswer } from '../types.ts';
import { Badge, Phrase, Time } from '../ui.tsx';

/** The ledger audit, run on demand: each check with its result and, when it failed, what it found. */
export function AuditScreen() {
  const { t, lang } = useConsole();
  const [report, setReport] = useState<AuditAnswer | null>(null);
  const [busy, setBusy] = useState(false);
  const message = useMessage();

  const run = async () => {
    setBusy(true);
    message.clear();
    const answer = await api<AuditAnswer>('POST', '/operator/v1/audit');
    setBusy(false);
    if (!answer.ok) return message.show('error', refusal(answer));
    setReport(answer.body);
  };

  const failed = report?.checks.filter((c) => !c.ok).length ?? 0;
  return (
    <section class="panel" aria-labelledby="audit-title">
      <h2 id="audit-title" tabIndex={-1}>
        {t('auditTitle')}
      </h2>
      <p class="note">
        <Phrase text={t('auditLead')} values={{ command: <code>cardlane audit</code> }} />
      </p>
      <button type="button" id="audit-run" class="primary" disabled={busy} aria-describedby="audit-status" onClick={() => void run()}>
        {busy ? t('running') : t('runAudit')}
      </button>
      <Said id="audit-message" shown={message.shown} t={t} lang={lang} />
      <div id="audit-status" role="status" aria-live="polite">
        {report ? (
          <p id="audit-result" class={`result ${report.ok ? 'good' : 'bad'}`}>
            {report.ok ? t('auditOk') : t('auditFailed', { n: failed, total: report.checks.length })}
          </p>
        ) : null}
      </div>
      {report ? (
        <>
          <p class="meta">
            <Phrase text={t('auditAt')} values={{ time: <Time iso={report.checked_at} /> }} /> ·{' '}
            {t('auditStats', { accounts: report.stats.accounts, transfers: report.stats.transfers, sealed: report.stats.journal_sealed, unsealed: report.stats.journal_unsealed })}
          </p>
          <ul id="audit-checks" class="checks">
            {report.checks.map((check) => (
              <li key={check.name} class={check.ok ? 'ok' : 'failed'}>
                <span aria-hidden="true" class="mark">
                  {check.ok ? '✓' : '✗'}
                </span>
                <span class="check-title">{check.title[lang]}</span>
                <Badge tone={check.ok ? 'good' : 'bad'}>{check.ok ? t('checkPassed') : t('checkFailed')}</Badge>
                {check.failures.length > 0 ? (
                  <div class="failures">
                    <p class="note">{t('failuresNote')}</p>
                    <ul lang="en">
                      {check.failures.map((failure) => (
                        <li key={failure} class="mono">
                          {failure}
                        </li>
                      ))}
                    </ul>
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
