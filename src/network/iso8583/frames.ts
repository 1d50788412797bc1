/**
 * Frames on the issuer link's TCP stream: a 2-byte big-endian length, then
 * that many bytes of one ISO 8583 message. A frame longer than the limit is
 * refused from its header alone, before its bytes are buffered, so a peer
 * cannot make the reader hold more than one frame's worth of memory.
 */

export const FRAME_HEADER_BYTES = 2;
/** What a 2-byte length can say. */
export const MAX_FRAME_BYTES_LIMIT = 65_535;
/** Above the largest message the codec writes (codec.ts's MAX_MESSAGE_BYTES). */
export const DEFAULT_MAX_FRAME_BYTES = 12_288;

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

export function checkMaxFrameBytes(maxFrameBytes: number): number {
  if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 64 || maxFrameBytes > MAX_FRAME_BYTES_LIMIT) {
    throw new RangeError(`maxFrameBytes must be 64 to ${MAX_FRAME_BYTES_LIMIT}, got ${maxFrameBytes}`);
  }
  return maxFrameBytes;
}

/** `payload` with its length header. */
export function frameOf(payload: Uint8Array, maxFrameBytes: number): Buffer {
  if (payload.length === 0 || payload.length > maxFrameBytes) throw new FrameError(`a frame holds 1 to ${maxFrameBytes} bytes, not ${payload.length}`);
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt16BE(payload.length);
  return Buffer.concat([header, payload]);
}

/** Cuts a byte stream into frames' payloads. */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);

  constructor(readonly maxFrameBytes: number) {
    checkMaxFrameBytes(maxFrameBytes);
  }

  /** The payloads `chunk` completes, in order; throws FrameError at an empty or oversized frame (the stream is then unusable). */
  push(chunk: Buffer): Buffer[] {
    let buffer = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const payloads: Buffer[] = [];
    while (buffer.length >= FRAME_HEADER_BYTES) {
      const length = buffer.readUInt16BE(0);
      if (length === 0 || length > this.maxFrameBytes) throw new FrameError(`a frame of ${length} bytes (at most ${this.maxFrameBytes})`);
      if (buffer.length < FRAME_HEADER_BYTES + length) break;
      payloads.push(buffer.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length));
      buffer = buffer.subarray(FRAME_HEADER_BYTES + length);
    }
    // A copy, so the pending bytes do not pin the whole chunk they came in.
    this.#pending = Buffer.from(buffer);
    return payloads;
  }

  /** Bytes of an unfinished frame (a peer that stops mid-frame). */
  get pendingBytes(): number {
    return this.#pending.length;
  }
}
