import { useEffect, useState } from 'preact/hooks';
import { useBilling } from '../context.ts';
import { orgApi } from '../org-api.ts';
import type { ApiKey, OrgList, Project } from '../org-types.ts';

export interface KeysDirectory {
  readonly projects: readonly Project[];
  /** Every key, revoked ones too (their usage keeps their names), oldest first. */
  readonly keys: readonly ApiKey[];
}

/** The organization's projects and their keys, read again after every refresh; null until read. */
export function useKeysDirectory(): KeysDirectory | null {
  const { version } = useBilling();
  const [directory, setDirectory] = useState<KeysDirectory | null>(null);
  useEffect(() => {
    let live = true;
    void (async () => {
      const projects = await orgApi<OrgList<Project>>('GET', '/projects');
      if (!projects.ok) return;
      const lists = await Promise.all(projects.body.data.map((p) => orgApi<OrgList<ApiKey>>('GET', `/projects/${encodeURIComponent(p.id)}/api_keys?include_revoked=true`)));
      const keys = lists.flatMap((answer) => (answer.ok ? answer.body.data : [])).sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
      if (live) setDirectory({ projects: projects.body.data, keys });
    })();
    return () => {
      live = false;
    };
  }, [version]);
  return directory;
}
