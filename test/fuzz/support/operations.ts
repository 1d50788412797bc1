import type { AuthRole } from './fuzz-request.ts';
import type { Schema } from './schema-values.ts';
import { stripeOperations } from './stripe-parameters.ts';

/**
 * Every operation the fuzzer drives, from the OpenAPI document the running
 * program serves — with /v1's form parameters taken from the acquirer's
 * endpoint table (see stripe-parameters.ts), since the document names those
 * routes without their parameters.
 */
export type ErrorStyle = 'platform' | 'stripe' | 'openai';

export interface Parameter {
  readonly name: string;
  readonly schema: Schema;
  readonly required: boolean;
}

export interface Operation {
  /** `POST /v1/customers/{id}`. */
  readonly id: string;
  readonly method: string;
  readonly template: string;
  readonly pathParams: readonly Parameter[];
  readonly query: readonly Parameter[];
  readonly headers: readonly Parameter[];
  readonly body: { readonly mediaType: 'application/json' | 'application/x-www-form-urlencoded'; readonly schema: Schema; readonly required: boolean } | null;
  /** Credentials that may call it; the first is the one valid requests use. */
  readonly auth: readonly AuthRole[];
  readonly errorStyle: ErrorStyle;
  /** Where ids for its path parameters come from: the collection it lives under (`/v1/customers` for `/v1/customers/{id}/…`). */
  readonly collection: string;
}

type OpenApiDocument = { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const stripe = new Map(stripeOperations().map((op) => [`${op.method} ${op.template}`, op]));
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op === undefined) continue;
      const id = `${method.toUpperCase()} ${template}`;
      const parameters: any[] = op.parameters ?? [];
      const pick = (where: string): Parameter[] =>
        parameters.filter((p) => p.in === where).map((p) => ({ name: p.name, schema: p.schema ?? { type: 'string' }, required: p.required === true }));
      const pathParams = pick('path');
      let query = pick('query');
      let body: Operation['body'] = null;
      const content = op.requestBody?.content ?? {};
      const mediaType = Object.keys(content)[0];
      if (mediaType === 'application/json' || mediaType === 'application/x-www-form-urlencoded') {
        body = { mediaType, schema: content[mediaType].schema ?? {}, required: op.requestBody.required === true };
      }
      const fromTable = stripe.get(id);
      if (template.startsWith('/v1/')) {
        if (fromTable === undefined) throw new Error(`${id} is in /openapi.json but not in the acquirer's endpoint table`);
        stripe.delete(id);
        if (method === 'get' || method === 'delete') {
          query = Object.entries(fromTable.schema.properties as Record<string, Schema>).map(([name, schema]) => ({ name, schema, required: ((fromTable.schema.required ?? []) as string[]).includes(name) }));
          body = null;
        } else {
          body = { mediaType: 'application/x-www-form-urlencoded', schema: fromTable.schema, required: false };
        }
      }
      operations.push({
        id,
        method: method.toUpperCase(),
        template,
        pathParams,
        query,
        headers: pick('header'),
        body,
        auth: authFor(template, op.security, fromTable?.allowPublishable === true),
        errorStyle: template.startsWith('/v1/') ? 'stripe' : template.startsWith('/merchant/v1/') ? 'openai' : 'platform',
        collection: template.replace(/\/\{.*$/, ''),
      });
    }
  }
  if (stripe.size > 0) throw new Error(`/v1 endpoints missing from /openapi.json: ${[...stripe.keys()].join(', ')}`);
  return operations;
}

/** Who may call a route: from the document's `security` where it says, else by the part of the program the route belongs to. */
function authFor(template: string, security: Array<Record<string, unknown>> | undefined, allowPublishable: boolean): AuthRole[] {
  const schemes = new Set((security ?? []).flatMap((entry) => Object.keys(entry)));
  if (template.startsWith('/doctor/')) return ['operator', 'cardholder', 'merchant-secret'];
  if (schemes.has('operatorKey')) return ['operator'];
  if (schemes.has('cardholderSession')) return ['cardholder'];
  if (template.startsWith('/v1/')) return allowPublishable ? ['merchant-secret', 'merchant-publishable'] : ['merchant-secret'];
  if (template.startsWith('/billing/v1/sandbox/')) return ['operator'];
  if (template.startsWith('/merchant/v1/') || template.startsWith('/billing/v1/')) return ['org-key'];
  return ['none'];
}
