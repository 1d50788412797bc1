/**
 * What the ISO 8583 codec throws: a message it cannot put on the wire
 * (`unencodable`), bytes that are not a message it understands
 * (`malformed`), or a message whose MAC is missing or wrong
 * (`unauthenticated`, message-mac.ts). A message names the data element and what is wrong with
 * it, never the value: a frame may hold a card number or a CVV2, and these
 * errors end up in logs.
 */
export class Iso8583Error extends Error {
  constructor(
    readonly kind: 'malformed' | 'unencodable' | 'unauthenticated',
    message: string,
  ) {
    super(message);
    this.name = 'Iso8583Error';
  }
}

export function malformed(message: string): Iso8583Error {
  return new Iso8583Error('malformed', message);
}

export function unencodable(message: string): Iso8583Error {
  return new Iso8583Error('unencodable', message);
}

export function unauthenticated(message: string): Iso8583Error {
  return new Iso8583Error('unauthenticated', message);
}
