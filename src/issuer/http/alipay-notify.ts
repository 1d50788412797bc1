import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { Clock } from '../../platform/clock.ts';
import { RateLimiter, type RateLimitPolicy } from '../../platform/http/rate-limit.ts';
import { endpoint, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import type { TopUpOrder, TopUpService } from '../money/top-up.ts';
import { notifyBody, notifyResponses } from './money-schemas.ts';

export type NotifyAnswer = 'success' | 'fail';

/**
 * Verify → act on one Alipay notify, however it arrived (over HTTP, or from
 * the sandbox's controls), and the answer Alipay expects: `success` once
 * handled, `fail` otherwise (Alipay then redelivers).
 */
export async function receiveNotify(
  topUps: TopUpService,
  fields: Readonly<Record<string, string>>,
  log: FastifyBaseLogger,
): Promise<{ answer: NotifyAnswer; order: TopUpOrder | null }> {
  try {
    const result = await topUps.handleNotify(fields);
    log.info({ out_trade_no: result.order?.id ?? null, outcome: result.outcome }, 'alipay notify handled');
    return { answer: result.ack ? 'success' : 'fail', order: result.order };
  } catch (error) {
    if (error instanceof AppError && error.code === 'notify_signature_invalid') {
      log.warn({ out_trade_no: typeof fields.out_trade_no === 'string' ? fields.out_trade_no.slice(0, 64) : null }, 'alipay notify refused: the signature does not verify');
    } else {
      // Alipay redelivers on anything but "success"; the next delivery may go through.
      log.error({ err: error }, 'alipay notify failed');
    }
    return { answer: 'fail', order: null };
  }
}

/**
 * Per client address: each notify costs an RSA verification, and anyone can
 * post one. High enough for Alipay's own servers, which send from a few
 * addresses at the pace of top-ups; a notify refused with 429 is not lost,
 * as Alipay redelivers whatever was not answered `success`.
 */
export const ALIPAY_NOTIFY_RATE_LIMIT: RateLimitPolicy = { name: 'alipay_notify', burst: 200, perWindow: 600, windowMs: 60_000 };

/** `POST /alipay/notify`: Alipay's asynchronous trade notify, form-encoded (money-routes.ts parses the form). */
export function alipayNotifyEndpoint(topUps: TopUpService, clock: Clock): AnyEndpoint {
  return endpoint({
    method: 'POST',
    url: '/alipay/notify',
    auth: null,
    rateLimit: new RateLimiter(ALIPAY_NOTIFY_RATE_LIMIT, clock),
    schema: {
      tags: ['issuer: provider callbacks'],
      summary: 'Alipay’s asynchronous trade notify',
      description:
        'Form-encoded, signed by Alipay (RSA2). Answers `success` once handled (Alipay then stops redelivering) and `fail` otherwise; a notify whose signature does not verify changes nothing. ' +
        'Delivered any number of times, the wallet is credited once.',
      consumes: ['application/x-www-form-urlencoded'],
      body: notifyBody,
      produces: ['text/plain'],
      response: notifyResponses,
    },
    handler: async (request, reply) => {
      const { answer } = await receiveNotify(topUps, request.body, request.log);
      return reply.type('text/plain; charset=utf-8').send(answer);
    },
  });
}
