/** The story went somewhere the seed does not: it says at which step and what it saw. */
export class OffScript extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OffScript';
  }
}

export function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new OffScript(message);
}
