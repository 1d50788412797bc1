import type { Database, Tx } from '../platform/db/database.ts';
import type { AnswerRecorder, AuthorizationResponse } from './messages.ts';
import { applyWrites } from './network-record-writer.ts';
import { storedAuthorizationResponse, type NetworkMessageRow } from './network-records.ts';

/**
 * The network's record of one authorization, handed to the issuer to write
 * in its own transaction (see AnswerRecorder). Afterwards the network asks
 * `answer()`: the answer as recorded, or null when the issuer did not write
 * the record (another database, a decision it did not make in a batch) and
 * the network must write it itself.
 */
export class IssuerWrittenRecord implements AnswerRecorder {
  #recorded: { readonly own: NetworkMessageRow; readonly stored: NetworkMessageRow; readonly answer: AuthorizationResponse } | null = null;

  constructor(
    readonly db: Database,
    /** The network's answer for an issuer response, and the row that records it (the same as the network would write). */
    private readonly recordOf: (response: AuthorizationResponse) => { answer: AuthorizationResponse; row: NetworkMessageRow },
  ) {}

  async record(tx: Tx, response: AuthorizationResponse): Promise<void> {
    const { answer, row } = this.recordOf(response);
    const [stored] = await applyWrites(tx, [{ mode: 'insert', row }]);
    // A transaction that is re-run records again: the last call is the one that committed.
    this.#recorded = { own: row, stored: stored!, answer };
  }

  /** Valid once the issuer has answered: its transaction, and this record with it, committed. */
  answer(): AuthorizationResponse | null {
    const recorded = this.#recorded;
    if (recorded === null) return null;
    // Another copy of the message was recorded first: every sender of an id gets the same answer.
    if (recorded.stored !== recorded.own && recorded.stored.type === 'authorization') return storedAuthorizationResponse(recorded.stored);
    return recorded.answer;
  }
}
