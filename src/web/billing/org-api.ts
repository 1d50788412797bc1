import { sendJson } from '../shared/http.ts';
import { sessionHeaders, type ApiAnswer } from './api.ts';
import type { ErrorBody } from './types.ts';

/**
 * The organization API (`/merchant/v1/organization`: usage, costs, projects,
 * API keys — in OpenAI's shapes), called with the member's session cookie
 * (and its anti-CSRF token on a change) as billing's own API is. Never
 * throws: a network failure is status 0.
 */

export const ORG_API = '/merchant/v1/organization';

export async function orgApi<T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
  const answer = await sendJson(ORG_API + path, { method, body, headers: sessionHeaders(method), credentials: 'same-origin' });
  if (answer.ok) return { ok: true, status: answer.status, body: answer.json as T };
  const error = (answer.json as { error?: { message?: string; code?: string | null } } | null)?.error;
  return { ok: false, status: answer.status, body: error ? ({ error: { message: error.message, code: error.code ?? undefined } } as ErrorBody) : null };
}

/** Every page of an OpenAI-style paged report, in order (a report of at most `maxPages` pages: a limit on everything). */
export async function allPages<B>(path: string, maxPages = 12): Promise<ApiAnswer<{ data: B[] }>> {
  const data: B[] = [];
  let next: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const answer: ApiAnswer<{ data: B[]; has_more: boolean; next_page: string | null }> = await orgApi('GET', next === null ? path : `${path}&page=${encodeURIComponent(next)}`);
    if (!answer.ok) return answer;
    data.push(...answer.body.data);
    next = answer.body.has_more ? answer.body.next_page : null;
    if (next === null) break;
  }
  return { ok: true, status: 200, body: { data } };
}

/** Downloads what a GET answers as a file, with the session cookie; the page then names the file and tells whether it came. */
export async function download(path: string, fileName: string): Promise<boolean> {
  let response: Response;
  try {
    response = await fetch(ORG_API + path, { cache: 'no-store', credentials: 'same-origin' });
  } catch {
    return false;
  }
  if (!response.ok) return false;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has started the download.
  setTimeout(() => URL.revokeObjectURL(url), 0);
  return true;
}
