import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiErrorBody } from '../shared/http.ts';
import { api } from './api.ts';
import type { Page } from './types.ts';

/**
 * The path of one of the operator's lists filtered by `status`: a status that
 * waits for the operator (a queue) is listed oldest first, so whoever has
 * waited longest is at the top; anything else, newest first.
 */
export function listPath(base: string, status: string, waiting: readonly string[]): { readonly path: string; readonly oldestFirst: boolean } {
  const oldestFirst = waiting.includes(status);
  const query = [`limit=20`, ...(status === '' ? [] : [`status=${encodeURIComponent(status)}`]), ...(oldestFirst ? ['order=oldest'] : [])];
  return { path: `${base}?${query.join('&')}`, oldestFirst };
}

/**
 * A list the operator routes serve page by page: the first page of `path`
 * (again whenever `path` changes or `reload()` is called), and the next one
 * appended by `more()` with the previous page's cursor.
 */
export function usePagedList<I>(path: string | null) {
  const [items, setItems] = useState<I[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<{ readonly status: number; readonly error: ApiErrorBody | null } | null>(null);
  const generation = useRef(0);

  const load = useCallback(
    async (after: string | null) => {
      if (path === null) return;
      const mine = ++generation.current;
      setBusy(true);
      const separator = path.includes('?') ? '&' : '?';
      const answer = await api<Page<I>>('GET', after === null ? path : `${path}${separator}cursor=${encodeURIComponent(after)}`);
      // A newer load (another filter, a reload) won: this answer is stale.
      if (mine !== generation.current) return;
      setBusy(false);
      if (!answer.ok) return setFailed(answer);
      setFailed(null);
      setItems((shown) => (after === null || shown === null ? answer.body.data : [...shown, ...answer.body.data]));
      setCursor(answer.body.has_more ? answer.body.next_cursor : null);
    },
    [path],
  );

  useEffect(() => {
    setItems(null);
    setCursor(null);
    void load(null);
  }, [load]);

  return { items, hasMore: cursor !== null, busy, failed, more: () => void load(cursor), reload: () => void load(null) };
}
