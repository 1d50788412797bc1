import type {
  AuthorizationAdvice,
  AuthorizationRequest,
  AuthorizationResponse,
  ClearingRequest,
  FollowUpResponse,
  IncrementalAuthorizationRequest,
  RefundRequest,
  ReversalRequest,
} from '../messages.ts';
import { isDateTimeText } from './element-values.ts';
import { packIsoMessage, unpackIsoMessage } from './iso-message.ts';
import { malformed } from './iso8583-error.ts';
import { MessageReader, MessageWriter } from './message-parts.ts';
import {
  PROCESSING_PURCHASE,
  PROCESSING_REFUND,
  processingCodeOf,
  readAuthorization,
  readClearing,
  readIncrement,
  readRefund,
  readReversal,
  writeAuthorization,
  writeClearing,
  writeIncrement,
  writeRefund,
  writeReversal,
} from './request-fields.ts';
import { readAuthorizationAnswer, readFollowUpAnswer, readResponseCode, writeAuthorizationAnswer, writeFollowUpAnswer, writeResponseCode } from './response-fields.ts';

/**
 * The issuer link's messages and their ISO 8583 form: one message type
 * (MTI) each, the network's request or answer mapped onto data elements
 * (request-fields.ts, response-fields.ts), packed by iso-message.ts.
 *
 *   0100/0110  authorization; with element 90, an incremental authorization
 *              (Visa marks one with a reason code, Mastercard in DE 48; here
 *              element 90 naming the original 0100 is the mark)
 *   0120/0130  advice: the network's stand-in decision, told to the issuer
 *   0400/0410  reversal, full (no amount) or partial
 *   0220/0230  clearing (processing code 000000, "completion") and refund
 *              (200000): both are financial advices the issuer must apply
 *   0800/0810  network management: echo (element 70 = 301)
 *
 * Every message carries 7 (transmission time), 11 (STAN) and 37 (RRN); an
 * answer echoes its request's, which is how the client matches it. An
 * issuer that failed (threw) answers its response MTI with 39 = 96 and
 * private data XF, so the network treats it as a failed call, as it would
 * in process.
 */

export type LinkRequest =
  | { readonly kind: 'authorization'; readonly request: AuthorizationRequest }
  | { readonly kind: 'incremental_authorization'; readonly request: IncrementalAuthorizationRequest }
  | { readonly kind: 'reversal'; readonly request: ReversalRequest }
  | { readonly kind: 'clearing'; readonly request: ClearingRequest }
  | { readonly kind: 'refund'; readonly request: RefundRequest }
  | { readonly kind: 'advice'; readonly advice: AuthorizationAdvice }
  | { readonly kind: 'echo' };

export type AnswerMti = '0110' | '0130' | '0410' | '0230' | '0810';

export type LinkAnswer =
  | { readonly kind: 'authorization_answer'; readonly response: AuthorizationResponse }
  | { readonly kind: 'follow_up_answer'; readonly mti: '0410' | '0230'; readonly response: FollowUpResponse }
  | { readonly kind: 'advice_acknowledgement'; readonly id: string }
  | { readonly kind: 'echo_answer' }
  | { readonly kind: 'failure'; readonly mti: Exclude<AnswerMti, '0810'>; readonly id: string; readonly reason: string };

export type LinkMessage = LinkRequest | LinkAnswer;

/** Elements 7, 11 and 37: MMDDhhmmss (UTC), six digits, twelve letters or digits. */
export interface Trace {
  readonly transmittedAt: string;
  readonly stan: string;
  readonly rrn: string;
}

export interface LinkFrame {
  readonly trace: Trace;
  readonly message: LinkMessage;
}

/** The MTI that answers each request. */
export function answerMtiOf(request: LinkRequest): AnswerMti {
  switch (request.kind) {
    case 'authorization':
    case 'incremental_authorization':
      return '0110';
    case 'advice':
      return '0130';
    case 'reversal':
      return '0410';
    case 'clearing':
    case 'refund':
      return '0230';
    case 'echo':
      return '0810';
  }
}

export function isLinkRequest(message: LinkMessage): message is LinkRequest {
  return ['authorization', 'incremental_authorization', 'reversal', 'clearing', 'refund', 'advice', 'echo'].includes(message.kind);
}

const ECHO_TEST = '301';
/** Larger than any message the writer makes (element 126 is at most 9,999 bytes): longer input is refused unread. */
export const MAX_MESSAGE_BYTES = 12_288;

export function encodeLinkFrame(frame: LinkFrame): Buffer {
  const out = new MessageWriter();
  out.field(7, frame.trace.transmittedAt).field(11, frame.trace.stan).field(37, frame.trace.rrn);
  const message = frame.message;
  let mti: string;
  switch (message.kind) {
    case 'authorization':
      mti = '0100';
      out.tag('ID', message.request.id);
      writeAuthorization(out, message.request, { cvv2: true });
      break;
    case 'incremental_authorization':
      mti = '0100';
      writeIncrement(out, message.request);
      break;
    case 'reversal':
      mti = '0400';
      writeReversal(out, message.request);
      break;
    case 'clearing':
      mti = '0220';
      writeClearing(out, message.request);
      break;
    case 'refund':
      mti = '0220';
      writeRefund(out, message.request);
      break;
    case 'advice':
      mti = '0120';
      out.tag('ID', message.advice.id).tag('OI', message.advice.request.id).tag('RI', message.advice.response.id);
      writeAuthorization(out, message.advice.request, { cvv2: false });
      writeAuthorizationAnswer(out, message.advice.response, 'advice');
      break;
    case 'echo':
      mti = '0800';
      out.field(70, ECHO_TEST);
      break;
    case 'authorization_answer':
      mti = '0110';
      out.tag('ID', message.response.id);
      writeAuthorizationAnswer(out, message.response, 'answer');
      break;
    case 'follow_up_answer':
      mti = message.mti;
      writeFollowUpAnswer(out, message.response);
      break;
    case 'advice_acknowledgement':
      mti = '0130';
      writeResponseCode(out, '00');
      out.tag('ID', message.id);
      break;
    case 'echo_answer':
      mti = '0810';
      writeResponseCode(out, '00');
      out.field(70, ECHO_TEST);
      break;
    case 'failure':
      mti = message.mti;
      writeResponseCode(out, '96');
      out.tag('ID', message.id).tag('XF', message.reason);
      break;
  }
  return packIsoMessage(out.message(mti));
}

export function decodeLinkFrame(bytes: Uint8Array): LinkFrame {
  if (bytes.length > MAX_MESSAGE_BYTES) throw malformed(`the message is ${bytes.length} bytes; at most ${MAX_MESSAGE_BYTES} are read`);
  const m = new MessageReader(unpackIsoMessage(bytes));
  const trace = { transmittedAt: m.field(7), stan: m.field(11), rrn: m.field(37) };
  if (!isDateTimeText(trace.transmittedAt)) throw malformed('data element 7 is not a date and time MMDDhhmmss');
  const message = readMessage(m);
  m.done();
  return { trace, message };
}

function readMessage(m: MessageReader): LinkMessage {
  switch (m.mti) {
    case '0100':
      if (m.has(90)) return { kind: 'incremental_authorization', request: readIncrement(m) };
      return { kind: 'authorization', request: readAuthorization(m, m.tag('ID'), { cvv2: true }) };
    case '0120': {
      const id = m.tag('ID');
      const request = readAuthorization(m, m.tag('OI'), { cvv2: false });
      return { kind: 'advice', advice: { type: 'advice', id, request, response: readAuthorizationAnswer(m, m.tag('RI'), 'advice') } };
    }
    case '0400':
      return { kind: 'reversal', request: readReversal(m) };
    case '0220': {
      const code = processingCodeOf(m);
      if (code === PROCESSING_PURCHASE) return { kind: 'clearing', request: readClearing(m) };
      if (code === PROCESSING_REFUND) return { kind: 'refund', request: readRefund(m) };
      throw malformed(`a 0220's processing code must be ${PROCESSING_PURCHASE} (clearing) or ${PROCESSING_REFUND} (refund)`);
    }
    case '0800':
      readEchoCode(m);
      return { kind: 'echo' };
    case '0810':
      if (readResponseCode(m) !== '00') throw malformed('an echo is answered 00');
      readEchoCode(m);
      return { kind: 'echo_answer' };
    case '0110':
    case '0130':
    case '0410':
    case '0230': {
      const mti = m.mti;
      if (m.hasTag('XF')) {
        if (readResponseCode(m) !== '96') throw malformed('an issuer failure is answered 96');
        return { kind: 'failure', mti, id: m.tag('ID'), reason: m.tag('XF') };
      }
      if (mti === '0110') return { kind: 'authorization_answer', response: readAuthorizationAnswer(m, m.tag('ID'), 'answer') };
      if (mti === '0130') {
        if (readResponseCode(m) !== '00') throw malformed('an advice is acknowledged 00');
        return { kind: 'advice_acknowledgement', id: m.tag('ID') };
      }
      return { kind: 'follow_up_answer', mti, response: readFollowUpAnswer(m) };
    }
    default:
      throw malformed('the message type is not one the issuer link carries');
  }
}

function readEchoCode(m: MessageReader): void {
  if (m.field(70) !== ECHO_TEST) throw malformed(`data element 70 must be ${ECHO_TEST} (echo test)`);
}
