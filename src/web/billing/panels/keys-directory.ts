import { useEffect, useState } from 'preact/hooks';
import type { ApiAnswer } from '../api.ts';
import { useBilling } from '../context.ts';
import { orgApi } from '../org-api.ts';
import type { ApiKey, OrgList, Project } from '../org-types.ts';

export interface KeysDirectory {
  readonly projects: readonly Project[];
  /** Every key, revoked ones too (their usage keeps their names), oldest first. */
  readonly keys: readonly ApiKey[];
}

/** OpenAI's most a list page holds: fewest requests. */
const PAGE_LIMIT = 100;
/** A limit on everything: 100 pages are 10,000 keys in one project, far past what an organization makes (100 live at most). */
const MAX_PAGES = 100;

type ListPage<T> = OrgList<T> & { readonly has_more: boolean; readonly last_id: string | null };

/** Every object of an OpenAI-style list, page after page (`after` = the last id): a list pages at 20 by default, so one answer is not all. */
async function everyObject<T>(path: string): Promise<ApiAnswer<OrgList<T>>> {
  const data: T[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query: string = `limit=${PAGE_LIMIT}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
    const answer: ApiAnswer<ListPage<T>> = await orgApi('GET', `${path}${path.includes('?') ? '&' : '?'}${query}`);
    if (!answer.ok) return answer;
    data.push(...answer.body.data);
    after = answer.body.has_more ? answer.body.last_id : null;
    if (after === null) break;
  }
  return { ok: true, status: 200, body: { object: 'list', data } };
}

/** The organization's projects and their keys, read again after every refresh; null until read. */
export function useKeysDirectory(): KeysDirectory | null {
  const { version } = useBilling();
  const [directory, setDirectory] = useState<KeysDirectory | null>(null);
  useEffect(() => {
    let live = true;
    void (async () => {
      const projects = await everyObject<Project>('/projects');
      if (!projects.ok) return;
      const lists = await Promise.all(projects.body.data.map((p) => everyObject<ApiKey>(`/projects/${encodeURIComponent(p.id)}/api_keys?include_revoked=true`)));
      const keys = lists.flatMap((answer) => (answer.ok ? answer.body.data : [])).sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
      if (live) setDirectory({ projects: projects.body.data, keys });
    })();
    return () => {
      live = false;
    };
  }, [version]);
  return directory;
}
