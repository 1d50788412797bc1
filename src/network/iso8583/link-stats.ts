/**
 * What one end of the issuer link has done since it was made: frames sent
 * and received by message type (MTI), frames refused for their MAC, and
 * connections closed for silence. Plain counters, read as a snapshot: the
 * link knows nothing of how they are exported (the composition root puts
 * them on /metrics). Never a value from a frame, so never a card number.
 */
export interface LinkCounts {
  /** Frames written, by MTI (`0100`, `0810`, …). */
  readonly sent: Readonly<Record<string, number>>;
  /** Frames read with a right MAC, by MTI. */
  readonly received: Readonly<Record<string, number>>;
  /** Frames whose MAC was missing or wrong: each closed its connection. */
  readonly macFailures: number;
  /** Connections closed because they stayed silent (the server), or their echo went unanswered (the client). */
  readonly idleCloses: number;
}

export class LinkStats {
  readonly #sent = new Map<string, number>();
  readonly #received = new Map<string, number>();
  #macFailures = 0;
  #idleCloses = 0;

  sent(mti: string): void {
    this.#sent.set(mti, (this.#sent.get(mti) ?? 0) + 1);
  }

  received(mti: string): void {
    this.#received.set(mti, (this.#received.get(mti) ?? 0) + 1);
  }

  macFailure(): void {
    this.#macFailures += 1;
  }

  idleClose(): void {
    this.#idleCloses += 1;
  }

  counts(): LinkCounts {
    return { sent: Object.fromEntries(this.#sent), received: Object.fromEntries(this.#received), macFailures: this.#macFailures, idleCloses: this.#idleCloses };
  }
}
