/** JSON schema pieces every issuer API shares. */

export const timestamp = { type: 'string', format: 'date-time' } as const;
export const nullableTimestamp = { ...timestamp, nullable: true } as const;

/** The error answers of an issuer route, all in the shared `ErrorResponse` shape. */
export const errorResponses = {
  400: { $ref: 'ErrorResponse#' },
  401: { $ref: 'ErrorResponse#' },
  403: { $ref: 'ErrorResponse#' },
  404: { $ref: 'ErrorResponse#' },
  409: { $ref: 'ErrorResponse#' },
  429: { $ref: 'ErrorResponse#' },
} as const;
