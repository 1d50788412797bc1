/**
 * The ISO 8583:1987 data elements Cardlane's issuer link uses, with their
 * standard formats: `n` digits, `an` letters and digits, `ans` printable
 * ASCII, `b` bytes. A fixed element has exactly `length` characters; a
 * variable one is preceded by its length in `prefixDigits` ASCII digits
 * (LLVAR 2, LLLVAR 3) and holds at most `length`. Anything not listed here
 * is refused when it arrives, so a peer cannot slip in data nobody reads.
 *
 * 126 is Cardlane's private-use element (private-data.ts). Its length
 * prefix has four digits (LLLLVAR, as jPOS's IFA_LLLLBINARY), because the
 * fields of a request with no standard element (message ids, AVS data, the
 * merchant's own ids) can together pass the 999 bytes of an LLLVAR.
 *
 * The MAC (64, or 128 with a secondary bitmap) is not here: it is added
 * after packing and checked and removed before unpacking (message-mac.ts),
 * so the decoder refuses it like any element it does not define.
 */

export type ElementFormat = 'n' | 'an' | 'ans' | 'b';

export interface DataElement {
  readonly number: number;
  readonly name: string;
  readonly format: ElementFormat;
  /** 0 for a fixed length, else the digits of the length prefix. */
  readonly prefixDigits: 0 | 2 | 3 | 4;
  /** The fixed length, or the most a variable element holds (characters; bytes for `b`). */
  readonly length: number;
}

const element = (number: number, name: string, format: ElementFormat, prefixDigits: DataElement['prefixDigits'], length: number): DataElement => ({
  number,
  name,
  format,
  prefixDigits,
  length,
});

export const PRIVATE_DATA_ELEMENT = 126;
export const MAX_PRIVATE_DATA_BYTES = 9_999;

export const DATA_ELEMENTS: ReadonlyMap<number, DataElement> = new Map(
  [
    element(2, 'primary account number', 'n', 2, 19),
    element(3, 'processing code', 'n', 0, 6),
    element(4, 'amount, transaction', 'n', 0, 12),
    element(6, 'amount, cardholder billing', 'n', 0, 12),
    element(7, 'transmission date and time (MMDDhhmmss, UTC)', 'n', 0, 10),
    element(11, 'systems trace audit number', 'n', 0, 6),
    element(12, 'time, local transaction (hhmmss)', 'n', 0, 6),
    element(13, 'date, local transaction (MMDD)', 'n', 0, 4),
    element(14, 'date, expiration (YYMM)', 'n', 0, 4),
    element(18, 'merchant type (MCC)', 'n', 0, 4),
    element(22, 'point of service entry mode', 'n', 0, 3),
    element(32, 'acquiring institution identification code', 'n', 2, 11),
    element(37, 'retrieval reference number', 'an', 0, 12),
    element(38, 'approval code', 'an', 0, 6),
    element(39, 'response code', 'an', 0, 2),
    element(42, 'card acceptor identification code', 'ans', 0, 15),
    element(43, 'card acceptor name/location', 'ans', 0, 40),
    element(44, 'additional response data', 'ans', 2, 25),
    element(49, 'currency code, transaction', 'n', 0, 3),
    element(51, 'currency code, cardholder billing', 'n', 0, 3),
    element(70, 'network management information code', 'n', 0, 3),
    element(90, 'original data elements', 'n', 0, 42),
    element(PRIVATE_DATA_ELEMENT, 'Cardlane private data (TLV)', 'b', 4, MAX_PRIVATE_DATA_BYTES),
  ].map((e) => [e.number, e]),
);
