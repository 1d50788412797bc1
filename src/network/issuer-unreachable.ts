/**
 * What an issuer endpoint throws when the message never reached the issuer
 * or its answer never came back because the link is down (no connection,
 * or the connection dropped mid-request). The network answers such a call
 * 91, issuer inoperative, as it does an issuer that keeps silent — not 96,
 * which says the issuer itself malfunctioned — and follows it through like
 * any stand-in: the issuer may have acted before the link dropped.
 */
export class IssuerUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IssuerUnreachableError';
  }
}

export function isIssuerUnreachable(error: unknown): boolean {
  return error instanceof IssuerUnreachableError;
}
