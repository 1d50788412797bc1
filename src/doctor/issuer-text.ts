import { declineText, hasDeclineText } from '../issuer/index.ts';
import type { Texts } from './catalogue-types.ts';

/**
 * Catalogue texts whose remedy is the issuer's own cardholder message
 * (decline-text.ts, shown on the card statement), so the doctor and the
 * statement never tell a cardholder two different things. The doctor adds
 * the title and the explanation: who decided, on which check.
 */
export function withIssuerRemedy(
  reason: string,
  own: { readonly en: { title: string; explanation: string }; readonly zh: { title: string; explanation: string } },
): Texts {
  if (!hasDeclineText(reason)) throw new Error(`decline-text.ts has no text for ${reason}; write the remedy in the catalogue instead`);
  const statement = declineText(reason);
  return {
    en: { ...own.en, remedy: statement.en },
    'zh-CN': { ...own.zh, remedy: statement.zh },
  };
}
