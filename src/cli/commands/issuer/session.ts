import { rmSync } from 'node:fs';
import { Command } from 'commander';
import { CliError, localTime, type Io } from '../../output.ts';
import { call, contextOf, line, newIdempotencyKey, output, saveSession, sessionPath, table } from './client.ts';

interface Cardholder {
  id: string;
  phone: string;
  kyc_status: string;
  kyc_reason: string | null;
  invite_code: string;
  opening_fee_waived: boolean;
  created_at: string;
}

function cardholderRows(c: Cardholder): Array<[string, string]> {
  return [
    ['cardholder', c.id],
    ['phone', c.phone],
    ['kyc', c.kyc_reason ? `${c.kyc_status} (${c.kyc_reason})` : c.kyc_status],
    ['invite code', c.invite_code],
    ['opening fee', c.opening_fee_waived ? 'waived' : 'charged'],
    ['since', localTime(c.created_at)],
  ];
}

/** sign-in, verify, sign-out, me, invite, sms-inbox. */
export function sessionCommands(io: Io): Command[] {
  const signIn = new Command('sign-in')
    .description('send a one-time sign-in code by SMS to a phone')
    .requiredOption('--phone <phone>', 'E.164, e.g. +8613800138000')
    .option('--invite <code>', 'an invite code (use it again with verify)')
    .action(async (options: { phone: string; invite?: string }, command: Command) => {
      const ctx = contextOf(io, command);
      const result = await call<{ phone: string; expires_at: string; resend_after: string }>(ctx, 'POST', '/sessions/code', {
        auth: 'none',
        body: { phone: options.phone },
      });
      output(ctx, result, () => {
        line(ctx, `Code sent to ${result.phone}.`);
        table(ctx, [
          ['expires', result.expires_at],
          ['resend after', result.resend_after],
        ]);
        line(ctx, `Next: cardlane issuer verify --phone ${result.phone} --code <code>${options.invite ? ` --invite ${options.invite}` : ''}`);
      });
    });

  const verify = new Command('verify')
    .description('sign in with the code; saves the session in <data-dir>/cli-session.json')
    .requiredOption('--phone <phone>', 'the phone the code was sent to')
    .requiredOption('--code <code>', 'the six-digit code')
    .option('--invite <code>', 'an invite code (waives the card-opening fee)')
    .action(async (options: { phone: string; code: string; invite?: string }, command: Command) => {
      const ctx = contextOf(io, command);
      const body: Record<string, string> = { phone: options.phone, code: options.code };
      if (options.invite !== undefined) body.invite_code = options.invite;
      const result = await call<{ token: string; expires_at: string; signed_up: boolean; cardholder: Cardholder }>(ctx, 'POST', '/sessions', { auth: 'none', body });
      saveSession(ctx, { url: ctx.url, phone: result.cardholder.phone, token: result.token, expires_at: result.expires_at });
      output(ctx, result, () => {
        line(ctx, result.signed_up ? 'Signed up and signed in.' : 'Signed in.');
        table(ctx, [...cardholderRows(result.cardholder), ['session until', result.expires_at], ['saved to', sessionPath(ctx)]]);
      });
    });

  const signOut = new Command('sign-out')
    .description('sign out: ends the saved session on the server, then deletes <data-dir>/cli-session.json')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(io, command);
      let result: { id: string; object: 'session'; deleted: true } | null = null;
      try {
        result = await call(ctx, 'DELETE', '/sessions', { auth: 'cardholder' });
      } catch (error) {
        // Expired, idle too long or signed out elsewhere: nothing left to end on the server, only the file to delete.
        // Anything else (the server unreachable…) keeps the file, so the sign-out can be retried.
        if (!(error instanceof CliError && error.message.endsWith('(authentication_required)'))) throw error;
      }
      rmSync(sessionPath(ctx), { force: true });
      output(ctx, result ?? { object: 'session', deleted: true, already_ended: true }, () =>
        line(ctx, result === null ? `The session had already ended; removed ${sessionPath(ctx)}.` : `Signed out; removed ${sessionPath(ctx)}.`),
      );
    });

  const me = new Command('me').description('the signed-in cardholder').action(async (_options: unknown, command: Command) => {
    const ctx = contextOf(io, command);
    const result = await call<Cardholder>(ctx, 'GET', '/me', { auth: 'cardholder' });
    output(ctx, result, () => table(ctx, cardholderRows(result)));
  });

  const invite = new Command('invite')
    .description('apply an invite code (before the first card): waives the card-opening fee')
    .argument('<code>', 'the invite code')
    .action(async (code: string, _options: unknown, command: Command) => {
      const ctx = contextOf(io, command);
      const result = await call<Cardholder>(ctx, 'POST', '/me/invite', { auth: 'cardholder', body: { invite_code: code }, idempotencyKey: newIdempotencyKey() });
      output(ctx, result, () => table(ctx, cardholderRows(result)));
    });

  const smsInbox = new Command('sms-inbox')
    .description('operator: the sandbox SMS inbox of a phone, newest first')
    .requiredOption('--phone <phone>', 'the phone')
    .option('--limit <n>', 'how many messages', '5')
    .action(async (options: { phone: string; limit: string }, command: Command) => {
      const ctx = contextOf(io, command);
      const result = await call<{ data: Array<{ id: string; phone: string; body: string; created_at: string }> }>(ctx, 'GET', '/operator/sms', {
        auth: 'operator',
        query: { phone: options.phone, limit: options.limit },
      });
      output(ctx, result, () => {
        if (result.data.length === 0) line(ctx, `No messages for ${options.phone}.`);
        else table(ctx, result.data.map((m) => [localTime(m.created_at), m.body] as const));
      });
    });

  return [signIn, verify, signOut, me, invite, smsInbox];
}
