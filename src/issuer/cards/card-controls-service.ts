import type { Tx } from '../../platform/db/database.ts';
import { tracksSpend } from '../authorization/spend.ts';
import { rebuildSpend } from '../authorization/spend-release.ts';
import { IssuerError } from '../errors.ts';
import type { CardDeps } from './card-deps.ts';
import { requireOpen } from './card-money.ts';
import { getCardOf, saveControls, setCardStatus, type Card } from './cards.ts';
import { applyControlsPatch } from './controls.ts';

/** Freezing stops spending (the authorization engine declines a frozen card); idempotent both ways. */
export async function setFrozen(tx: Tx, deps: CardDeps, input: { readonly cardholderId: string; readonly cardId: string; readonly frozen: boolean }): Promise<void> {
  const card = await getCardOf(tx, input.cardholderId, input.cardId, { lock: true });
  requireOpen(card);
  const wanted = input.frozen ? 'frozen' : 'active';
  if (card.status !== wanted) await setCardStatus(tx, card.id, wanted, deps.clock.nowMs());
}

export async function updateControls(tx: Tx, deps: CardDeps, input: { readonly cardholderId: string; readonly cardId: string; readonly patch: unknown }): Promise<Card> {
  const card = await getCardOf(tx, input.cardholderId, input.cardId, { lock: true });
  requireOpen(card);
  const result = applyControlsPatch(card.controls, input.patch);
  if (!result.ok) throw new IssuerError('parameter_invalid', result.message, { param: result.param });
  const nowMs = deps.clock.nowMs();
  await saveControls(tx, card.id, result.controls, nowMs);
  // Day and month spend is counted only while such a limit exists; a new one starts from the records.
  if (tracksSpend(result.controls.limits)) await rebuildSpend(tx, card.id, nowMs);
  return card;
}
