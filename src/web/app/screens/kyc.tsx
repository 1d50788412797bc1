import { useEffect, useRef, useState } from 'preact/hooks';
import { call, newIdempotencyKey } from '../api.ts';
import { useApp } from '../context.ts';
import { QrCode } from '../qr-code.tsx';
import type { BilingualText, KycState, Verification } from '../types.ts';
import { Message, SandboxHint, Section, usePolling, useAction } from '../ui.tsx';

/** Real-name verification: start the face scan (a QR code for Alipay), then its status, updated live. */
export function KycScreen() {
  const { t, lang, me, refreshMe, go } = useApp();
  const [state, setState] = useState<KycState | null>(null);
  const action = useAction();

  const load = async () => {
    const next = await call<KycState>('GET', '/issuer/v1/kyc');
    setState(next);
    // The rest of the app reads the status from `me`: an approval that came while the person was elsewhere must reach it too.
    if (me !== null && next.status !== me.kyc_status) await refreshMe();
  };
  usePolling(load, 2_000, state === null || state.status === 'pending');

  // The start button goes away once the scan is shown: the keyboard's focus moves to the scan's heading, not the document's start.
  const scanHeading = useRef<HTMLHeadingElement>(null);
  const focusScan = useRef(false);
  const start = () =>
    action.run(async () => {
      const verification = await call<Verification>('POST', '/issuer/v1/kyc', { idempotencyKey: newIdempotencyKey() });
      focusScan.current = true;
      setState({ status: 'pending', reason: null, reason_text: null, next_step: null, can_resubmit: null, verification });
      await refreshMe();
    });

  const status = state?.status ?? null;
  const say = (text: BilingualText) => (lang === 'en' ? text.en : text.zh);
  useEffect(() => {
    if (!focusScan.current || scanHeading.current === null) return;
    focusScan.current = false;
    scanHeading.current.focus();
  }, [status]);
  return (
    <Section title={t('kycTitle')} id="kyc">
      <p class="lead">{t('kycLead')}</p>
      {state === null ? <p>{t('loading')}</p> : null}
      {status !== null ? (
        <p>
          {t('statusLabel')}
          {t('labelColon')}
          <strong id="kyc-status" class={`status ${status}`}>{t(`kyc_${status}`)}</strong>
        </p>
      ) : null}
      {status === 'not_started' ? (
        <button type="button" class="primary" id="kyc-start" onClick={start} disabled={action.busy}>
          {t('kycStart')}
        </button>
      ) : null}
      {status === 'pending' && state?.verification ? (
        <div class="scan">
          {/* Focusable by script only: where the focus lands after the start button is gone. */}
          <h3 id="kyc-scan-title" ref={scanHeading} tabIndex={-1}>
            {t('kycScan')}
          </h3>
          <QrCode id="kyc-qr" value={state.verification.qr_payload} label={t('kycScan')} />
          <p class="note">{t('kycPending')}</p>
          <SandboxHint id="kyc-hint" text={t('sandboxKyc')} command={`npx cardlane issuer kyc approve ${state.verification.id}`} />
        </div>
      ) : null}
      {status === 'approved' ? (
        <>
          <Message id="kyc-message" text={t('kycApproved')} kind="ok" />
          <button type="button" class="primary" id="kyc-continue" onClick={() => go('/wallet')}>
            {t('navWallet')}
          </button>
        </>
      ) : null}
      {status === 'rejected' && state !== null ? (
        <>
          {/* The issuer words the reason and the next step in both languages; the app shows the one it speaks. */}
          <Message id="kyc-message" text={t('kycRejected', { reason: state.reason_text === null ? '' : say(state.reason_text) })} kind="error" />
          {state.next_step !== null ? (
            <p id="kyc-next-step">
              <strong>{t('kycNextStep')}</strong>
              {t('labelColon')}
              {say(state.next_step)}
            </p>
          ) : null}
          {/* Some reasons allow no new verification (the next step says whom to contact instead). */}
          {state.can_resubmit !== false ? (
            <button type="button" class="primary" id="kyc-start" onClick={start} disabled={action.busy}>
              {t('kycRetry')}
            </button>
          ) : null}
        </>
      ) : null}
      <Message text={action.error} kind="error" />
    </Section>
  );
}

// While a screen waits for verification, how often it asks whether it came.
const KYC_FOLLOW_MS = 3_000;

/** Shown where an action needs approved KYC; it follows the verification, so an approval unlocks the screen by itself. */
export function KycNeeded() {
  const { t, go, me, refreshMe } = useApp();
  usePolling(
    async () => {
      if ((await call<KycState>('GET', '/issuer/v1/kyc')).status !== me?.kyc_status) await refreshMe();
    },
    KYC_FOLLOW_MS,
    me !== null,
  );
  return (
    <Section title={t('kycNeeded')} id="kyc-needed">
      <p>{t('kycNeededLead')}</p>
      <button type="button" class="primary" onClick={() => go('/kyc')}>
        {t('kycStart')}
      </button>
    </Section>
  );
}
