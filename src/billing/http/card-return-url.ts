import { BillingError } from '../errors.ts';

/**
 * Where a card verification's 3-D Secure challenge sends the customer's
 * browser back: only the billing page on this server's own origin (the Host
 * the request came to), so billing's API is no open redirect that sends a
 * cardholder from the bank's page to any site an API caller names.
 */
export const BILLING_PAGE_PATH = '/billing';

export function cardReturnUrl(given: string | undefined, host: string | undefined): string | null {
  if (given === undefined) return null;
  let url: URL | null = null;
  try {
    url = new URL(given);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '' || host === undefined || url.host !== host.toLowerCase() || url.pathname !== BILLING_PAGE_PATH) {
    throw new BillingError('parameter_invalid', `return_url must be this server's billing page (${BILLING_PAGE_PATH} on the origin the request came to).`, { param: 'return_url' });
  }
  return url.toString();
}
