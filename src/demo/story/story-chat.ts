import { CHARS_PER_TOKEN, ECHO_MODEL } from '../../billing/index.ts';

/**
 * How the story's API customer spends credits: chat completions at the
 * merchant's OpenAI-compatible API (`/merchant/v1`). The CLI calls it with
 * fetch (the `openai` SDK is a development dependency, and the CLI must not
 * need one); a test can pass a client built on the official SDK instead.
 */

export interface ChatRequest {
  readonly model: string;
  readonly content: string;
  readonly maxTokens: number;
}

export type ChatResult =
  | { readonly ok: true; readonly promptTokens: number; readonly completionTokens: number }
  /** Refused, with OpenAI's error code (`insufficient_quota` when the credits are gone). */
  | { readonly ok: false; readonly status: number; readonly code: string | null; readonly message: string };

export interface ChatClient {
  complete(request: ChatRequest): Promise<ChatResult>;
}

export function fetchChatClient(baseUrl: string, apiKey: string): ChatClient {
  return {
    async complete(request) {
      const response = await fetch(new URL('/merchant/v1/chat/completions', baseUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ model: request.model, messages: [{ role: 'user', content: request.content }], max_tokens: request.maxTokens }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await response.json().catch(() => ({}))) as {
        usage?: { prompt_tokens: number; completion_tokens: number };
        error?: { code?: string | null; message?: string };
      };
      if (!response.ok || body.usage === undefined) {
        return { ok: false, status: response.status, code: body.error?.code ?? null, message: body.error?.message ?? `HTTP ${response.status}` };
      }
      return { ok: true, promptTokens: body.usage.prompt_tokens, completionTokens: body.usage.completion_tokens };
    },
  };
}

/** The story's largest prompt: 100,000 tokens in and (capped by max_tokens) 100,000 out — $1.00 at $2/$8 per million. */
const PROMPT_MAX_CHARS = 400_000;
// Room for the JSON around the prompt within the server's body limit.
const BODY_OVERHEAD_BYTES = 4_096;
const SENTENCE = 'Tell me everything about virtual cards. ';

/**
 * One request of the spending loop: a prompt as large as the server's body
 * limit allows (up to 400,000 ASCII characters), and max_tokens set so the
 * echo model's reply is as long as the prompt. Spending $10 then takes ten
 * requests instead of thousands.
 */
export function spendingRequest(bodyLimitBytes: number): ChatRequest {
  const chars = Math.max(CHARS_PER_TOKEN, Math.min(PROMPT_MAX_CHARS, bodyLimitBytes - BODY_OVERHEAD_BYTES));
  const tokens = Math.floor(chars / CHARS_PER_TOKEN);
  const content = SENTENCE.repeat(Math.ceil((tokens * CHARS_PER_TOKEN) / SENTENCE.length)).slice(0, tokens * CHARS_PER_TOKEN);
  return { model: ECHO_MODEL, content, maxTokens: tokens };
}
