/**
 * Validation of a chat-completions body (OpenAI's shape). Only what the
 * built-in model uses is read; unknown fields are ignored, as OpenAI's API
 * tolerates SDK fields a server does not know. `stream: true` asks for
 * Server-Sent Events; `stream_options.include_usage` for a final usage chunk.
 */
export interface ChatRequest {
  readonly model: string;
  readonly messages: ReadonlyArray<{ role: string; content: string }>;
  readonly maxTokens: number | null;
  readonly stream: boolean;
  readonly includeUsage: boolean;
}

export type ChatRequestCheck = { ok: true; request: ChatRequest } | { ok: false; message: string; param: string; code: ChatRequestCode };

/** The stable code of each refusal (OpenAI's own codes for these cases). */
export type ChatRequestCode = 'invalid_type' | 'invalid_value' | 'missing_required_parameter' | 'empty_array' | 'array_above_max_length' | 'integer_below_min_value';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const MAX_MESSAGES = 1_000;

function invalid(message: string, param: string, code: ChatRequestCode): ChatRequestCheck {
  return { ok: false, message, param, code };
}

export function parseChatRequest(body: unknown): ChatRequestCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return invalid('The request body must be a JSON object.', 'body', 'invalid_type');
  const input = body as Record<string, unknown>;
  const stream = input.stream ?? false;
  if (typeof stream !== 'boolean') return invalid('`stream` must be a boolean.', 'stream', 'invalid_type');
  const streamOptions = input.stream_options ?? null;
  if (streamOptions !== null) {
    if (!stream) return invalid('The `stream_options` parameter is only allowed when `stream` is enabled.', 'stream_options', 'invalid_value');
    if (typeof streamOptions !== 'object' || Array.isArray(streamOptions)) return invalid('`stream_options` must be an object.', 'stream_options', 'invalid_type');
  }
  const includeUsage = (streamOptions as { include_usage?: unknown } | null)?.include_usage ?? false;
  if (typeof includeUsage !== 'boolean') return invalid('`stream_options.include_usage` must be a boolean.', 'stream_options.include_usage', 'invalid_type');
  if (input.model === undefined || input.model === null || input.model === '') return invalid('you must provide a model parameter', 'model', 'missing_required_parameter');
  if (typeof input.model !== 'string') return invalid('`model` must be a string.', 'model', 'invalid_type');
  if (input.messages === undefined || input.messages === null) return invalid('Missing required parameter: \'messages\'.', 'messages', 'missing_required_parameter');
  if (!Array.isArray(input.messages)) return invalid("'messages' must be a non-empty array.", 'messages', 'invalid_type');
  if (input.messages.length === 0) return invalid("'messages' must be a non-empty array.", 'messages', 'empty_array');
  if (input.messages.length > MAX_MESSAGES) return invalid(`'messages' has more than ${MAX_MESSAGES} items.`, 'messages', 'array_above_max_length');
  const messages: Array<{ role: string; content: string }> = [];
  for (const [i, raw] of input.messages.entries()) {
    if (typeof raw !== 'object' || raw === null) return invalid(`messages[${i}] must be an object.`, `messages[${i}]`, 'invalid_type');
    const { role, content } = raw as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.has(role)) return invalid(`messages[${i}].role must be one of ${[...ROLES].join(', ')}.`, `messages[${i}].role`, 'invalid_value');
    const text = contentText(content);
    if (text === null) return invalid(`messages[${i}].content must be a string or an array of text parts.`, `messages[${i}].content`, 'invalid_type');
    messages.push({ role, content: text });
  }
  const rawMax = input.max_completion_tokens ?? input.max_tokens ?? null;
  if (rawMax !== null && (!Number.isSafeInteger(rawMax) || (rawMax as number) < 1)) {
    const param = input.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
    return invalid('max_tokens must be a positive integer.', param, Number.isSafeInteger(rawMax) ? 'integer_below_min_value' : 'invalid_type');
  }
  return { ok: true, request: { model: input.model, messages, maxTokens: rawMax as number | null, stream, includeUsage } };
}

function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) return null;
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part !== 'object' || part === null) return null;
    const { type, text } = part as Record<string, unknown>;
    if (type !== 'text' || typeof text !== 'string') return null;
    parts.push(text);
  }
  return parts.join('');
}
