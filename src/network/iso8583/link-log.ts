/**
 * Where the issuer link says what happened to its connections (pino's
 * Logger fits). Never a frame's bytes or a message's fields: a frame may
 * hold a card number or a CVV2.
 */
export interface LinkLog {
  info(detail: Record<string, unknown>, message: string): void;
  warn(detail: Record<string, unknown>, message: string): void;
}

export const SILENT_LINK_LOG: LinkLog = { info: () => undefined, warn: () => undefined };
