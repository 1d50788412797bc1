import type { Socket } from 'node:net';
import { AppError } from '../errors.ts';

/**
 * Answers a request Node's HTTP parser refused before Fastify saw it —
 * headers over the 16 KiB limit (431), a request that took too long to
 * arrive (408), bytes that are not HTTP (400) — in Cardlane's error shape
 * (`{"error":{"type","code","message"}}`) rather than Fastify's
 * (`{"error":"Bad Request","statusCode":400}`), so a client's error
 * handling sees one shape everywhere. The connection is closed after it
 * (and says so): after a parse error the rest of its bytes mean nothing.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, appError] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', new AppError('request_timeout')]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', new AppError('request_invalid', 'The request headers are too large (at most 16 KiB in all).')]
        : [400, 'Bad Request', new AppError('request_invalid', 'The request is not valid HTTP.')];
  const body = JSON.stringify(appError.toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
