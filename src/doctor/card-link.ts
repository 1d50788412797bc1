import { cardFingerprint } from '../acquirer/cards/vault.ts';
import { decryptPan } from '../issuer/card-secrets.ts';
import type { Card } from '../issuer/cards/cards.ts';
import type { Keyring } from '../issuer/keyring.ts';

/**
 * Connects a Cardlane card to the acquirer's records of it. An attempt a
 * merchant's rule blocked never reached the network, so nothing on the
 * issuer's side names it; the only link is the card number, which the
 * issuer keeps encrypted under its keyring and the acquirer knows by a
 * fingerprint keyed with its vault key. Only a process holding both keys —
 * the platform itself: Cardlane's HTTP server, or `cardlane doctor` on the
 * data directory — can make the link, and the doctor uses it for the
 * operator's view and to check that a cardholder owns the card a merchant
 * attempt used. The number exists in memory only for the HMAC.
 */
export interface CardLink {
  /** The acquirer's fingerprint (`card.fingerprint` on its payment methods) of this card. */
  acquirerFingerprint(card: Card): string;
}

export function cardLinkFromKeys(keyring: Keyring, vaultKey: Buffer): CardLink {
  return {
    acquirerFingerprint(card) {
      return cardFingerprint(vaultKey, decryptPan(keyring, { ciphertext: card.panCiphertext, kid: card.panKid }));
    },
  };
}
