/**
 * The built-in deterministic model `cardlane-echo-1`: its reply is
 * `You said: <last user message>`, so tests and demos know the answer.
 *
 * Token counting (documented, deterministic, no tokenizer): a text of n
 * Unicode code points is ⌈n / 4⌉ tokens (OpenAI's rule of thumb of ~4
 * characters per token). A prompt is the sum over its messages of the
 * tokens of each message's content. `max_tokens` cuts the reply to that many
 * tokens' worth of code points (finish_reason `length`, as OpenAI answers).
 */

export const CHARS_PER_TOKEN = 4;

export function countTokens(text: string): number {
  return Math.ceil([...text].length / CHARS_PER_TOKEN);
}

export interface EchoCompletion {
  readonly content: string;
  readonly finishReason: 'stop' | 'length';
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export function echoComplete(messages: ReadonlyArray<{ role: string; content: string }>, maxTokens: number | null): EchoCompletion {
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const full = `You said: ${lastUser?.content ?? ''}`;
  const codePoints = [...full];
  const limit = maxTokens === null ? codePoints.length : maxTokens * CHARS_PER_TOKEN;
  const content = codePoints.slice(0, limit).join('');
  return {
    content,
    finishReason: codePoints.length > limit ? 'length' : 'stop',
    promptTokens: messages.reduce((sum, message) => sum + countTokens(message.content), 0),
    completionTokens: countTokens(content),
  };
}
