import { PRIVATE_DATA_ELEMENT } from './data-elements.ts';
import type { IsoMessage } from './iso-message.ts';
import { malformed } from './iso8583-error.ts';
import { packPrivateData, unpackPrivateData, type PrivateTag } from './private-data.ts';

/**
 * Builds a message's standard elements and private subelements (element 126) side by side, so
 * a mapping writes each field of a request or an answer where it belongs.
 */
export class MessageWriter {
  readonly #fields = new Map<number, string | Uint8Array>();
  readonly #tags = new Map<PrivateTag, string>();

  field(number: number, value: string): this {
    this.#fields.set(number, value);
    return this;
  }

  tag(tag: PrivateTag, value: string): this {
    this.#tags.set(tag, value);
    return this;
  }

  nullableTag(tag: PrivateTag, value: string | null): this {
    return this.tag(tag, value === null ? 'N' : `S${value}`);
  }

  /** Left out when `undefined`: absent stays absent. */
  optionalNullableTag(tag: PrivateTag, value: string | null | undefined): this {
    return value === undefined ? this : this.nullableTag(tag, value);
  }

  message(mti: string): IsoMessage {
    const fields = new Map(this.#fields);
    if (this.#tags.size > 0) fields.set(PRIVATE_DATA_ELEMENT, packPrivateData(this.#tags));
    return { mti, fields };
  }
}

/**
 * Reads a message's elements and private subelements, and refuses (`done`)
 * any the mapping did not ask for: a data element or a tag that does not
 * belong in this message type is an error, not something to ignore.
 */
export class MessageReader {
  readonly mti: string;
  readonly #fields: ReadonlyMap<number, string | Uint8Array>;
  readonly #tags: ReadonlyMap<PrivateTag, string>;
  readonly #read = new Set<number | string>();

  constructor(message: IsoMessage) {
    this.mti = message.mti;
    this.#fields = message.fields;
    const data = message.fields.get(PRIVATE_DATA_ELEMENT);
    this.#tags = data instanceof Uint8Array ? unpackPrivateData(data) : new Map();
    this.#read.add(PRIVATE_DATA_ELEMENT);
  }

  has(number: number): boolean {
    return this.#fields.has(number);
  }

  field(number: number): string {
    const value = this.optionalField(number);
    if (value === undefined) throw malformed(`a ${this.mti} needs data element ${number}`);
    return value;
  }

  optionalField(number: number): string | undefined {
    this.#read.add(number);
    const value = this.#fields.get(number);
    return typeof value === 'string' ? value : undefined;
  }

  hasTag(tag: PrivateTag): boolean {
    return this.#tags.has(tag);
  }

  tag(tag: PrivateTag): string {
    const value = this.optionalTag(tag);
    if (value === undefined) throw malformed(`a ${this.mti} needs private data ${tag}`);
    return value;
  }

  optionalTag(tag: PrivateTag): string | undefined {
    this.#read.add(tag);
    return this.#tags.get(tag);
  }

  nullableTag(tag: PrivateTag): string | null {
    return nullableValue(tag, this.tag(tag));
  }

  optionalNullableTag(tag: PrivateTag): string | null | undefined {
    const value = this.optionalTag(tag);
    return value === undefined ? undefined : nullableValue(tag, value);
  }

  /** Throws when the message holds an element or a subelement nobody read. */
  done(): void {
    for (const number of this.#fields.keys()) if (!this.#read.has(number)) throw malformed(`data element ${number} does not belong in a ${this.mti}`);
    for (const tag of this.#tags.keys()) if (!this.#read.has(tag)) throw malformed(`private data ${tag} does not belong in a ${this.mti}`);
  }
}

function nullableValue(tag: PrivateTag, value: string): string | null {
  if (value === 'N') return null;
  if (value.startsWith('S')) return value.slice(1);
  throw malformed(`private data ${tag} is neither N nor S followed by text`);
}
