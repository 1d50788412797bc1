import { useState } from 'preact/hooks';
import { call } from '../api.ts';
import { useApp } from '../context.ts';
import { when } from '../format.ts';
import { useMinuteNow } from '../minute-clock.ts';
import type { AppNotification, NotificationPage } from '../types.ts';
import { Section, usePolling } from '../ui.tsx';

const FEED_POLL_MS = 5_000;
const PAGE = 20;

/**
 * The notification feed, newest first, kept live by polling while open.
 * What is shown is marked read (up to the newest), which clears the bell.
 */
export function NotificationsScreen(props: { readonly onUnread: (count: number) => void }) {
  const { t, lang, go } = useApp();
  // "现在" becomes "1 分钟前" by itself: the page's one minute clock moves the lines' relative times.
  const nowMs = useMinuteNow();
  const [items, setItems] = useState<readonly AppNotification[] | null>(null);
  const [older, setOlder] = useState<readonly AppNotification[]>([]);
  const [hasMore, setHasMore] = useState(false);

  usePolling(
    async () => {
      const page = await call<NotificationPage>('GET', `/issuer/v1/notifications?limit=${PAGE}`);
      setItems(page.data);
      if (older.length === 0) setHasMore(page.has_more);
      const newest = page.data[0];
      if (newest !== undefined && page.unread_count > 0) {
        const read = await call<{ unread_count: number }>('POST', '/issuer/v1/notifications/read', { body: { up_to_id: newest.id } });
        props.onUnread(read.unread_count);
      } else props.onUnread(page.unread_count);
    },
    FEED_POLL_MS,
    true,
  );

  const loadOlder = async () => {
    const last = older[older.length - 1] ?? items?.[items.length - 1];
    if (last === undefined) return;
    const page = await call<NotificationPage>('GET', `/issuer/v1/notifications?limit=${PAGE}&before=${encodeURIComponent(last.id)}`);
    setOlder([...older, ...page.data]);
    setHasMore(page.has_more);
  };

  const all = [...(items ?? []), ...older.filter((o) => !(items ?? []).some((i) => i.id === o.id))];
  return (
    <Section title={t('notificationsTitle')} id="notifications">
      {items === null ? <p class="note">{t('loading')}</p> : null}
      {items !== null && all.length === 0 ? <p class="note">{t('notificationsEmpty')}</p> : null}
      <ul class="feed" id="notification-feed">
        {all.map((n) => (
          <li key={n.id} class={`feed-item ${n.kind === 'decline' || n.kind === 'withdrawal_failed' ? 'bad' : ''}`} data-kind={n.kind}>
            <p class="feed-text">
              {t(`ntf_${n.kind}`, { amount: n.amount.formatted, merchant: n.merchant_name ?? '', last4: n.card_last4 ?? '' })}
            </p>
            {n.reason_text !== null ? <p class="note">{lang === 'en' ? n.reason_text.en : n.reason_text.zh}</p> : null}
            <p class="feed-meta">
              <time dateTime={n.created_at}>{when(n.created_at, lang, nowMs)}</time>
              {n.sms_sent ? <span> · {t('notificationsSms')}</span> : null}
              {n.kind === 'dispute' ? (
                <>
                  {' · '}
                  <a href={`#/disputes/${n.subject_id}`} onClick={(e) => { e.preventDefault(); go(`/disputes/${n.subject_id}`); }}>
                    {t('notificationsCase')}
                  </a>
                </>
              ) : null}
              {n.kind === 'decline' ? (
                <>
                  {' · '}
                  <a href={`#/why/${n.subject_id}`} onClick={(e) => { e.preventDefault(); go(`/why/${n.subject_id}`); }}>
                    {t('notificationsWhy')}
                  </a>
                </>
              ) : null}
            </p>
          </li>
        ))}
      </ul>
      {hasMore ? (
        <button type="button" id="notifications-more" onClick={() => void loadOlder()}>
          {t('notificationsMore')}
        </button>
      ) : null}
    </Section>
  );
}
