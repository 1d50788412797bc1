import { CliError } from './output.ts';

/**
 * One HTTP call from the CLI to a running Cardlane, and what every command
 * does with the answer: JSON back, or the API's error object as
 * `message (code)` — and a plain sentence when nothing answers at all.
 */
export async function fetchJson<T>(baseUrl: string, url: URL | string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach Cardlane at ${baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message} (is \`cardlane up\` running?)`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new CliError(`unexpected answer from ${new URL(url).pathname}: HTTP ${response.status}`);
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } }).error;
    const code = error?.code ?? `http_${response.status}`;
    throw new CliError(`${error?.message ?? `HTTP ${response.status}`} (${code})`);
  }
  return parsed as T;
}
