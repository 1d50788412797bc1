import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../platform/db/database.ts';
import { formatMoney, money } from '../platform/money.ts';
import type { BillingDeps } from './billing-deps.ts';
import { creditBalance } from './billing-ledger.ts';
import { parseChatRequest } from './chat-request.ts';
import { CHARS_PER_TOKEN, countTokens, echoComplete, type EchoCompletion } from './echo-model.ts';
import { canAffordMinimum, recordUsage, reserveUsage, type BudgetRefusal } from './metering.ts';
import { billingPageUrl, openAiErrors, type OpenAiError } from './openai-errors.ts';
import { apiKeyCaller, noteApiKeyUsed, type ApiKeyCaller } from './organizations.ts';
import { DEFAULT_PRICE_BOOK, ECHO_MODEL } from './price-book.ts';

/**
 * The merchant's OpenAI-compatible API, mounted at `/merchant/v1` (`/v1` is
 * the acquirer's Stripe API). Point the official `openai` SDK at it with
 * `baseURL: <cardlane>/merchant/v1` and an organization key. Bodies are JSON
 * and every error has OpenAI's shape, set up inside this plugin only.
 */

// Models this server can run; a model must also be in the price book to be offered.
const IMPLEMENTED_MODELS = new Set([ECHO_MODEL]);
// Fixed, so the model list is deterministic: 2026-01-01T00:00:00Z in seconds.
const MODEL_CREATED_S = 1_767_225_600;

export interface MerchantApiHooks {
  /** Told (without being waited for) when an organization used credits or was refused for lack of them — auto-recharge's nudge. */
  afterUsage?(orgId: string): void;
  /** Pause between a stream's chunks (default 0: the built-in model is instant); tests slow a stream down to disconnect midway. */
  readonly streamChunkDelayMs?: number;
  /** Told when a stream's usage has been charged (or its charge failed): for tests. */
  afterStream?(id: string, outcome: 'recorded' | 'failed'): void;
}

export function merchantApiRoutes(db: Database, deps: BillingDeps, hooks: MerchantApiHooks = {}): FastifyPluginAsync {
  const book = deps.priceBook ?? DEFAULT_PRICE_BOOK;
  const models = [...book.keys()].filter((model) => IMPLEMENTED_MODELS.has(model));
  const modelObject = (id: string) => ({ id, object: 'model', created: MODEL_CREATED_S, owned_by: 'cardlane' });
  const send = (reply: FastifyReply, error: OpenAiError) => reply.status(error.status).send(error.body);
  // The key (and so the organization and project) each authenticated request acts for (set by the onRequest hook).
  const callers = new WeakMap<FastifyRequest, ApiKeyCaller>();
  const callerOf = (request: FastifyRequest): ApiKeyCaller => {
    const caller = callers.get(request);
    if (caller === undefined) throw new Error('merchant API route reached without an authenticated organization');
    return caller;
  };
  const orgOf = (request: FastifyRequest) => callerOf(request).organization;
  // Who made a usage event: the usage and costs API groups by these.
  const madeBy = (request: FastifyRequest) => ({ apiKeyId: callerOf(request).keyId, projectId: callerOf(request).projectId });

  /**
   * A completion as Server-Sent Events (`chat.completion.chunk`s, then
   * `data: [DONE]`), metered with a hold: before the first byte, the price of
   * the whole reply is reserved as a pending debit (refused with the same 429
   * insufficient_quota as a non-streaming request when the credits cannot
   * cover it); once the stream ends — finished or the client gone — the hold
   * is posted for the prompt plus the reply tokens actually written (one
   * usage event, id = the completion id) and the rest is released.
   */
  async function streamCompletion(
    request: FastifyRequest,
    reply: FastifyReply,
    stream: { orgId: string; id: string; model: string; completion: EchoCompletion; includeUsage: boolean },
  ) {
    const { orgId, id, model, completion } = stream;
    const reserved = await reserveUsage(db, deps, {
      ...madeBy(request),
      orgId,
      usageEventId: id,
      model,
      inputTokens: completion.promptTokens,
      outputTokens: completion.completionTokens,
    });
    if (reserved.result !== 'reserved') {
      hooks.afterUsage?.(orgId);
      if (reserved.result === 'insufficient_quota') return send(reply, openAiErrors.insufficientQuota(billingPageOf(request)));
      if (reserved.result === 'budget_exceeded') return send(reply, budgetExceededError(reserved));
      throw new Error(`reserving a fresh stream answered ${reserved.result}`);
    }
    const res = reply.raw;
    let gone = false;
    const onClose = () => {
      gone = true;
    };
    // The response's `close` before its end is the client going away (the request's own `close` fires once its body is read).
    res.on('close', onClose);
    reply.hijack();
    const created = Math.floor(deps.clock.nowMs() / 1000);
    const chunk = (delta: Record<string, unknown>, finishReason: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(stream.includeUsage ? { usage: null } : {}),
    });
    const write = (data: unknown): boolean => {
      if (gone || res.destroyed || res.writableEnded) return false;
      res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
      return true;
    };
    const pause = () => new Promise<void>((resolve) => (hooks.streamChunkDelayMs ? setTimeout(resolve, hooks.streamChunkDelayMs) : setImmediate(resolve)));
    let sent = '';
    try {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      // A stream is answered outside Fastify's hooks (hijacked): its key's use is noted here.
      await noteApiKeyUsed(db, callerOf(request), deps.clock.nowMs());
      if (write(chunk({ role: 'assistant', content: '', refusal: null }, null))) {
        // One chunk per token (CHARS_PER_TOKEN code points): what was written is counted exactly.
        const codePoints = [...completion.content];
        for (let at = 0; at < codePoints.length; at += CHARS_PER_TOKEN) {
          await pause();
          const piece = codePoints.slice(at, at + CHARS_PER_TOKEN).join('');
          if (!write(chunk({ content: piece }, null))) break;
          sent += piece;
        }
        await pause();
        if (write(chunk({}, completion.finishReason)) && stream.includeUsage) {
          const completionTokens = countTokens(sent);
          write({
            id,
            object: 'chat.completion.chunk',
            created,
            model,
            choices: [],
            usage: { prompt_tokens: completion.promptTokens, completion_tokens: completionTokens, total_tokens: completion.promptTokens + completionTokens },
          });
        }
        write('[DONE]');
      }
    } catch (error) {
      request.log.warn({ err: error }, 'merchant API stream interrupted');
    } finally {
      try {
        const outcome = await recordUsage(
          db,
          deps,
          { ...madeBy(request), orgId, usageEventId: id, model, inputTokens: completion.promptTokens, outputTokens: countTokens(sent) },
          { hold: reserved.hold },
        );
        if (outcome.result !== 'recorded') throw new Error(`metering a stream answered ${outcome.result}`);
        hooks.afterStream?.(id, 'recorded');
      } catch (error) {
        // The hold stays and lapses after its timeout: never an overspend, at worst an unbilled stream.
        request.log.error({ err: error, completion_id: id }, 'merchant API stream could not be charged');
        hooks.afterStream?.(id, 'failed');
      }
      res.off('close', onClose);
      if (!res.writableEnded && !res.destroyed) res.end();
      hooks.afterUsage?.(orgId);
    }
    return reply;
  }

  return async (app) => {
    // What reaches here is Fastify's own error (a bad body, too large…: `statusCode`), the platform's refusal of a
    // parameter before validation (a NUL character: an AppError with `status`, `code`, `param`), or an unexpected one (a 500).
    app.setErrorHandler<FastifyError & { status?: number; param?: string }>((error, request, reply) => {
      const status = error.statusCode ?? error.status ?? 500;
      if (status >= 400 && status < 500) return send(reply, openAiErrors.framework(error));
      request.log.error({ err: error }, 'merchant API request failed with an unexpected error');
      return send(reply, openAiErrors.server());
    });
    app.setNotFoundHandler((request, reply) => send(reply, openAiErrors.notFound(request.method, request.url)));

    // Authentication comes first, before the body is read, as at OpenAI.
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      const key = match?.[1] ?? null;
      const caller = key === null ? null : await apiKeyCaller(db, key);
      if (caller === null) return send(reply, openAiErrors.invalidApiKey(key));
      callers.set(request, caller);
    });
    // A key's last-used time counts answered requests only (so a refused one changes nothing), written before the answer leaves.
    app.addHook('onSend', async (request, reply, payload) => {
      const caller = callers.get(request);
      if (caller !== undefined && reply.statusCode < 400) await noteApiKeyUsed(db, caller, deps.clock.nowMs());
      return payload;
    });

    app.get('/models', async () => ({ object: 'list', data: models.map(modelObject) }));

    app.get<{ Params: { model: string } }>('/models/:model', async (request, reply) => {
      if (!models.includes(request.params.model)) return send(reply, openAiErrors.modelNotFound(request.params.model));
      return modelObject(request.params.model);
    });

    app.get('/organization/credits', async (request) => {
      const org = orgOf(request);
      const balance = await creditBalance(db, org.id);
      return { object: 'credit_balance', organization_id: org.id, currency: (balance?.currency ?? 'USD').toLowerCase(), available_minor: balance?.available_minor ?? 0 };
    });

    app.post('/chat/completions', async (request, reply) => {
      const org = orgOf(request);
      const parsed = parseChatRequest(request.body);
      if (!parsed.ok) return send(reply, openAiErrors.invalidRequest(parsed.message, parsed.param, parsed.code));
      const { model, messages, maxTokens } = parsed.request;
      if (!models.includes(model)) return send(reply, openAiErrors.modelNotFound(model));
      // Cheap pre-check, so an organization without credits costs no work;
      // the debit below is what actually guarantees no overspend.
      if (!(await canAffordMinimum(db, org.id))) {
        hooks.afterUsage?.(org.id);
        return send(reply, openAiErrors.insufficientQuota(billingPageOf(request)));
      }
      const completion = echoComplete(messages, maxTokens);
      const id = `chatcmpl-${deps.ids.next('c').slice(2)}`;
      if (parsed.request.stream) return streamCompletion(request, reply, { orgId: org.id, id, model, completion, includeUsage: parsed.request.includeUsage });
      const outcome = await recordUsage(db, deps, {
        ...madeBy(request),
        orgId: org.id,
        usageEventId: id,
        model,
        inputTokens: completion.promptTokens,
        outputTokens: completion.completionTokens,
      });
      hooks.afterUsage?.(org.id);
      if (outcome.result === 'insufficient_quota') return send(reply, openAiErrors.insufficientQuota(billingPageOf(request)));
      if (outcome.result === 'budget_exceeded') return send(reply, budgetExceededError(outcome));
      if (outcome.result !== 'recorded') throw new Error(`metering a fresh completion answered ${outcome.result}`);
      return {
        id,
        object: 'chat.completion',
        created: Math.floor(outcome.usage.createdAtMs / 1000),
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: completion.content, refusal: null }, logprobs: null, finish_reason: completion.finishReason }],
        usage: {
          prompt_tokens: completion.promptTokens,
          completion_tokens: completion.completionTokens,
          total_tokens: completion.promptTokens + completion.completionTokens,
        },
      };
    });
  };
}

/** This deployment's billing page, as the caller reached this server (a bare path when the request names no host). */
function billingPageOf(request: FastifyRequest): string {
  const host = request.host;
  return billingPageUrl(typeof host === 'string' && /^[A-Za-z0-9.:[\]-]{1,255}$/.test(host) ? `${request.protocol}://${host}` : null);
}

function budgetExceededError(refusal: BudgetRefusal) {
  return openAiErrors.budgetExceeded(formatMoney(money(refusal.budgetMinor, refusal.currency)), new Date(refusal.resetsAtMs).toISOString());
}
