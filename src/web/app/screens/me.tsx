import { useApp } from '../context.ts';
import { CopyButton, Section } from '../ui.tsx';

/** The person: phone, verification, their invite code with a share link, and signing out. */
export function MeScreen() {
  const { t, me, go, signOut } = useApp();
  if (me === null) return null;
  const link = `${location.origin}/app?invite=${encodeURIComponent(me.invite_code)}`;
  return (
    <>
      <Section title={t('meTitle')} id="me">
        <dl class="details">
          <dt>{t('myPhone')}</dt>
          <dd id="me-phone">{me.phone}</dd>
          <dt>{t('kycTitle')}</dt>
          <dd>
            <a href="#/kyc" onClick={(e) => { e.preventDefault(); go('/kyc'); }}>
              {t(`kyc_${me.kyc_status}`)}
            </a>
          </dd>
        </dl>
      </Section>
      <Section title={t('inviteTitle')} id="invite">
        <p class="note">{t('inviteLead')}</p>
        <p class="label">{t('yourCode')}</p>
        <p class="invite-code" id="invite-code">
          {me.invite_code}
        </p>
        <CopyButton value={me.invite_code} label={t('yourCode')} />
        <p class="label">{t('shareLink')}</p>
        <p class="mono wrap" id="invite-link">
          {link}
        </p>
        <CopyButton value={link} label={t('shareLink')} />
      </Section>
      <Section title={t('declinedNothing')} id="help">
        <a href="#/declined" class="button">
          {t('declinedNothing')}
        </a>
      </Section>
      {/* Where Chinese apps keep it (我的 → 退出登录): the header stays one line on a phone. */}
      <button type="button" id="sign-out" class="sign-out" onClick={() => void signOut()}>
        {t('signOut')}
      </button>
    </>
  );
}
