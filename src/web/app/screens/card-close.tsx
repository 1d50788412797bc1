import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../../shared/ui.tsx';
import { call, newIdempotencyKey } from '../api.ts';
import { useApp } from '../context.ts';
import { money } from '../format.ts';
import type { Card } from '../types.ts';
import { Message, Section, useAction } from '../ui.tsx';

/**
 * Closing a card (POST /issuer/v1/cards/{id}/close), after a confirmation
 * that says what happens to the money: the free balance is swept back to
 * the wallet at once; holds of payments already approved stay until the
 * merchant captures or releases them, and what they free goes to the wallet.
 */
export function ClosePanel(props: { readonly card: Card; readonly onClosed: (card: Card) => void }) {
  const { t } = useApp();
  const { card } = props;
  const [asking, setAsking] = useState(false);
  // One key for this closing, so a retry after a lost answer cannot act twice.
  const [key, setKey] = useState(newIdempotencyKey);
  const action = useAction();

  const close = () =>
    action.run(async () => {
      const closed = await call<Card>('POST', `/issuer/v1/cards/${encodeURIComponent(card.id)}/close`, { idempotencyKey: key });
      setAsking(false);
      setKey(newIdempotencyKey());
      props.onClosed(closed);
    });

  return (
    <Section title={t('closeTitle')} id="close">
      <p class="note">{t('closeLead')}</p>
      <button type="button" id="close-card" class="danger" onClick={() => setAsking(true)} disabled={action.busy}>
        {t('closeButton')}
      </button>
      {asking ? (
        <ConfirmDialog
          id="close-dialog"
          title={t('closeConfirmTitle', { card: `VISA •••• ${card.last4}` })}
          confirmLabel={t('closeConfirm')}
          cancelLabel={t('cancel')}
          busy={action.busy}
          danger
          onConfirm={() => void close()}
          onCancel={() => setAsking(false)}
        >
          <ul class="close-facts">
            <li>{t('closeConfirmNew')}</li>
            <li id="close-balance">{t('closeConfirmBalance', { amount: money(card.balance.available, 'USD') })}</li>
            <li id="close-holds">{card.balance.held > 0 ? t('closeConfirmHolds', { amount: money(card.balance.held, 'USD') }) : t('closeConfirmNoHolds')}</li>
          </ul>
          <Message id="close-error" text={action.error} kind="error" />
        </ConfirmDialog>
      ) : null}
    </Section>
  );
}
