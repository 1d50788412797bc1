import { OTP_MAX_ATTEMPTS, type OtpOutcome, type SendRefusalReason } from './one-time-codes.ts';

/** What a person reads when a code is refused; `afterUse` finishes the "already used" sentence. */
export function otpRefusalMessage(outcome: Exclude<OtpOutcome, 'ok'>, attemptsRemaining: number, afterUse = ''): string {
  switch (outcome) {
    case 'code_invalid':
      return `The code is not right; ${attemptsRemaining} of ${OTP_MAX_ATTEMPTS} attempts left.`;
    case 'code_expired':
      return 'The code has expired; ask for a new one.';
    case 'code_locked':
      return 'Too many wrong codes; ask for a new one.';
    case 'code_used':
      return `The code was already used; ask for a new one${afterUse}.`;
  }
}

/** What a person reads when no code is sent; `recipient` names where it would have gone ("phone number", "address"). */
export function sendRefusalMessage(reason: SendRefusalReason, retryAfterMs: number, recipient: string): string {
  switch (reason) {
    case 'resend_cooldown':
      return `Wait ${Math.ceil(retryAfterMs / 1000)} s before asking for another code.`;
    case 'recipient_rate_limit':
      return `Too many codes were sent to this ${recipient}; try again later.`;
    case 'address_rate_limit':
      return 'Too many codes were requested from this network; try again later.';
  }
}
