import type { Database, Tx } from '../platform/db/database.ts';
import type { AnswerRecorder, AuthorizationResponse, FollowUpResponse } from './messages.ts';
import { applyWrites, type RecordWrite } from './network-record-writer.ts';
import type { NetworkMessageRow } from './network-records.ts';

/**
 * The network's record of one message's answer, handed to the issuer to
 * write in its own transaction (see AnswerRecorder). Afterwards the network
 * asks `answer()`: the answer as recorded, or null when the issuer did not
 * write the record (another database, a decision it did not make in a
 * batch) and the network must write it itself.
 *
 * The record is written as the network would write it after the call
 * (`mode`: a new record, or the retry of a 91/96), so what is stored does not
 * depend on who wrote it.
 */
export class IssuerWrittenRecord<R extends AuthorizationResponse | FollowUpResponse> implements AnswerRecorder<R> {
  #recorded: { readonly own: NetworkMessageRow; readonly stored: NetworkMessageRow; readonly answer: R } | null = null;

  constructor(
    readonly db: Database,
    private readonly mode: RecordWrite['mode'],
    /** The network's answer for an issuer response, and the row that records it (the same as the network would write). */
    private readonly recordOf: (response: R) => { answer: R; row: NetworkMessageRow },
    /** The answer a stored record of this message gives (a repeat that got there first, or a retried record). */
    private readonly answerOf: (stored: NetworkMessageRow) => R,
  ) {}

  async record(tx: Tx, response: R): Promise<void> {
    const { answer, row } = this.recordOf(response);
    const [stored] = await applyWrites(tx, [{ mode: this.mode, row }]);
    // A transaction that is re-run records again: the last call is the one that committed.
    this.#recorded = { own: row, stored: stored!, answer };
  }

  /** Valid once the issuer has answered: its transaction, and this record with it, committed. */
  answer(): R | null {
    const recorded = this.#recorded;
    if (recorded === null) return null;
    // Another copy of the message was recorded first: every sender of an id gets the same answer.
    if (recorded.stored !== recorded.own && recorded.stored.type === recorded.own.type) return this.answerOf(recorded.stored);
    return recorded.answer;
  }
}
