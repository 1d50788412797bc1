import type { CardBrand } from '../../network/messages.ts';

/**
 * A card's brand from its leading digits (the published IIN ranges of each
 * scheme), for a number the network's BIN table does not list: the payment
 * method then shows the brand a customer expects, as Stripe's does, rather
 * than `unknown`. The network still decides whether any issuer takes it.
 */
export function brandFromNumber(pan: string): CardBrand {
  const two = Number(pan.slice(0, 2));
  const four = Number(pan.slice(0, 4));
  const six = Number(pan.slice(0, 6));
  if (two === 34 || two === 37) return 'amex';
  if (four >= 3528 && four <= 3589) return 'jcb';
  if (two === 36 || two === 38 || two === 39 || (six >= 300000 && six <= 305999) || four === 3095) return 'diners';
  if (pan.startsWith('4')) return 'visa';
  if ((two >= 51 && two <= 55) || (six >= 222100 && six <= 272099)) return 'mastercard';
  if (four === 6011 || two === 65 || (six >= 644000 && six <= 649999)) return 'discover';
  if (two === 62 || two === 81) return 'unionpay';
  return 'unknown';
}
