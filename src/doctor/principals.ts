import { AppError } from '../platform/errors.ts';
import type { DoctorPorts } from './ports.ts';
import type { Principal } from './views.ts';

/**
 * Who a credential belongs to, from the one credential each party already
 * issues — so the view is a fact of the credential, not a choice:
 *
 * - a merchant's Stripe secret key (`sk_test_…`, checked by the acquirer)
 *   → the merchant's view of its own payments;
 * - an issuer operator key (`op_…`, checked by the issuer), or the operator
 *   console's session made with one (its cookie) → the operator's view;
 * - a cardholder's session token (from the issuer's sign-in) → the
 *   cardholder's view of payments on their own cards.
 *
 * The shape of the token picks the party to ask; the party's answer decides.
 */
export async function identify(ports: Pick<DoctorPorts, 'acquirer' | 'issuer'>, token: string, nowMs: number): Promise<Principal> {
  const { acquirer, issuer } = ports;
  if (acquirer.looksLikeApiKey(token)) {
    const found = await acquirer.apiKey(token);
    if (found === undefined) throw new AppError('authentication_required', 'The API key is not valid or was revoked.');
    if (found.kind !== 'secret') throw new AppError('permission_denied', 'A publishable key cannot read payments; use the secret key.');
    return { view: 'merchant', merchantId: found.merchantId };
  }
  if (issuer.looksLikeOperatorKey(token)) {
    if (!(await issuer.operatorKeyIsLive(token))) throw new AppError('authentication_required', 'The operator key is not valid or was revoked.');
    return { view: 'operator' };
  }
  if (issuer.looksLikeOperatorSession(token)) {
    if (!(await issuer.operatorSessionIsLive(token, nowMs))) throw new AppError('authentication_required', 'The console session has ended; sign in again with an operator key.');
    return { view: 'operator' };
  }
  const cardholderId = await issuer.sessionCardholder(token, nowMs);
  if (cardholderId === undefined) throw new AppError('authentication_required', 'The session token is not valid or has expired; sign in again.');
  return { view: 'cardholder', cardholderId };
}
