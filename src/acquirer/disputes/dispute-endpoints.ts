import { AcquirerError } from '../errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { listPage, parseListQuery, stripeList } from '../stripe/list.ts';
import { objectIdPattern } from '../stripe/object-ids.ts';
import { updateMetadata } from '../stripe/params.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { answerDispute, sendRepresentment } from './dispute-lifecycle.ts';
import { DISPUTE_COLUMNS, disputeObject, EVIDENCE_FIELDS, requireDispute, updateDispute, type DisputeRow, type Evidence } from './dispute-store.ts';

const EVIDENCE_MAX_CHARS = 20_000;
const ID = objectIdPattern;

/**
 * Stripe's `/v1/disputes`: retrieve, list, update (evidence, metadata,
 * `submit`), close. Evidence can be staged (`submit=false`) and changed
 * while the dispute needs a response; submitting sends it to the issuer
 * through the network; closing accepts the loss.
 */
export function disputeEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  const answered = async (merchantId: string, id: string) => {
    await sendRepresentment(deps, id);
    return disputeObject(await requireDispute(deps.db, merchantId, id));
  };
  return [
    {
      method: 'GET',
      url: '/disputes/:id',
      summary: 'Retrieve a dispute',
      parse: (p) => ({ expand: p.expand() }),
      run: async (_input, call) => disputeObject(await requireDispute(deps.db, call.merchant.id, call.path.id!)),
    },
    {
      method: 'GET',
      url: '/disputes',
      summary: 'List disputes, newest first',
      parse: (p) => ({
        query: parseListQuery(p),
        charge: p.string('charge', { pattern: ID('ch'), what: 'not a charge id' }),
        paymentIntent: p.string('payment_intent', { pattern: ID('pi'), what: 'not a payment intent id' }),
      }),
      run: async ({ query, charge, paymentIntent }, call) => {
        const where = ['merchant_id = ?'];
        const params: unknown[] = [call.merchant.id];
        if (charge !== undefined) (where.push('charge_id = ?'), params.push(charge));
        if (paymentIntent !== undefined) (where.push('payment_intent_id = ?'), params.push(paymentIntent));
        const page = await listPage<DisputeRow>(deps.db, { table: 'acquirer_disputes', columns: DISPUTE_COLUMNS, where: where.join(' AND '), params, query });
        return stripeList('/v1/disputes', page.rows.map(disputeObject), page.hasMore);
      },
    },
    {
      method: 'POST',
      url: '/disputes/:id',
      summary: 'Update a dispute: add evidence, and submit it to the issuer (submit=true, the default)',
      parse: (p) => {
        const evidenceParams = p.object('evidence');
        const evidence: Evidence = {};
        if (evidenceParams) {
          for (const field of EVIDENCE_FIELDS) {
            const value = evidenceParams.string(field, { maxChars: EVIDENCE_MAX_CHARS });
            if (value !== undefined) evidence[field] = value;
          }
        }
        return { evidence, metadata: p.metadata(), submit: p.boolean('submit') ?? true, expand: p.expand() };
      },
      run: async (input, call) => {
        const submitted = await deps.db.transaction(async (tx) => {
          const row = await requireDispute(tx, call.merchant.id, call.path.id!, true);
          const open = row.status === 'needs_response' || row.status === 'warning_needs_response';
          if (!open) {
            if (Object.keys(input.evidence).length > 0 || input.submit === true) {
              throw new AcquirerError('dispute_unexpected_state', `This dispute is already ${row.status === 'under_review' || row.status === 'warning_under_review' ? 'under review' : 'closed'}: its evidence can no longer be changed.`, { param: 'evidence' });
            }
          }
          const evidence = { ...(JSON.parse(row.evidence) as Evidence), ...input.evidence };
          const metadata = updateMetadata(JSON.parse(row.metadata) as Record<string, string>, input.metadata);
          if (open && input.submit) {
            await answerDispute(tx, deps, call.nowMs, row, 'represent', { evidence, metadata });
            return true;
          }
          await updateDispute(tx, row.id, { evidence: JSON.stringify(evidence), metadata: JSON.stringify(metadata) });
          return false;
        });
        if (submitted) return answered(call.merchant.id, call.path.id!);
        return disputeObject(await requireDispute(deps.db, call.merchant.id, call.path.id!));
      },
    },
    {
      method: 'POST',
      url: '/disputes/:id/close',
      summary: 'Close a dispute: accept it as lost (the funds stay withdrawn)',
      parse: (p) => ({ expand: p.expand() }),
      run: async (_input, call) => {
        const accepted = await deps.db.transaction(async (tx) => {
          const row = await requireDispute(tx, call.merchant.id, call.path.id!, true);
          if (row.status === 'lost' || row.status === 'warning_closed') return false;
          if (row.status !== 'needs_response' && row.status !== 'warning_needs_response') {
            throw new AcquirerError('dispute_unexpected_state', `This dispute is ${row.status.replace('_', ' ')} and cannot be closed.`, { param: 'id' });
          }
          await answerDispute(tx, deps, call.nowMs, row, 'accept');
          return true;
        });
        return accepted ? answered(call.merchant.id, call.path.id!) : disputeObject(await requireDispute(deps.db, call.merchant.id, call.path.id!));
      },
    },
  ];
}
