import { Command } from 'commander';
import { CliError, EXIT_USAGE, localTime, type Io } from '../../output.ts';
import { readSecrets, SecretInputError, type SecretSource } from '../../secret-input.ts';
import { BillingApiError, billingCall, keylessContextOf, ORG_KEY_ENV, output } from './org-client.ts';

/**
 * `cardlane billing sign-in <email>`: a member signs in as on the billing
 * page — a code is mailed, the person types it — and gets a session token.
 * Administering the organization (members, keys, projects) needs an owner
 * signed in, not an API key, so this is how an owner does it from a shell.
 * The code is read from standard input (a prompt without echo, or a line
 * from a pipe), never from the command line, where `ps` would show it. A
 * script, which cannot know the code before it is mailed, runs it twice:
 * `--only-send`, then `--already-sent` with the code on standard input.
 */

interface SessionAnswer {
  token: string;
  expires_at: string;
  member: { email: string; role: string };
  organization: { id: string; name: string };
}

export function signInCommand(io: Io, input: SecretSource = process.stdin): Command {
  return new Command('sign-in')
    .argument('<email>', 'the member’s address')
    .option('--organization <org_…>', 'which organization, when the address belongs to several (for an invitation, this accepts it)')
    .option('--only-send', 'only mail the code (for a script: then run again with --already-sent and the code on standard input)')
    .option('--already-sent', 'do not mail a new code: read the one already mailed from standard input')
    .description("sign in as a member (a code is mailed; type it) and print a session token for --key / CARDLANE_ORG_KEY: owners need one to invite and remove members and manage keys")
    .action(async (email: string, options: { organization?: string; onlySend?: boolean; alreadySent?: boolean }, command: Command) => {
      const ctx = keylessContextOf(io, command);
      if (options.onlySend && options.alreadySent) throw new CliError('--only-send and --already-sent exclude each other', EXIT_USAGE);
      if (!options.alreadySent) {
        const sent = await billingCall(ctx, 'POST', '/sessions/code', { email });
        if (options.onlySend) return output(ctx, sent, () => io.stdout.write(`A sign-in code was mailed to ${email}, if it is a member's address.\n`));
      }
      let code: string;
      try {
        [code] = (await readSecrets([`Code mailed to ${email} (in the sandbox: cardlane billing notifications, or the operator's GET /billing/v1/sandbox/mail): `], input)) as [string];
      } catch (error) {
        if (error instanceof SecretInputError) throw new CliError(`the code is read from standard input: ${error.message}`, EXIT_USAGE);
        throw error;
      }
      let session: SessionAnswer;
      try {
        session = await billingCall<SessionAnswer>(ctx, 'POST', '/sessions', { email, code, ...(options.organization === undefined ? {} : { organization: options.organization }) });
      } catch (error) {
        const invitations = (error as { body?: { error?: { invitations?: unknown } } }).body?.error?.invitations as Array<{ organization: { id: string; name: string } }> | undefined;
        if (error instanceof BillingApiError && invitations !== undefined) {
          const list = invitations.map((i) => `  ${i.organization.id}  ${i.organization.name}`).join('\n');
          throw new CliError(`${email} is only invited so far; choose the organization to accept with --organization:\n${list}`, EXIT_USAGE);
        }
        throw error;
      }
      output(ctx, session, () =>
        io.stdout.write(
          `Signed in as ${session.member.email} (${session.member.role}) to ${session.organization.name} (${session.organization.id}) until ${localTime(session.expires_at)}.\n` +
            `Session token — pass it as --key, or export ${ORG_KEY_ENV}=…:\n${session.token}\n`,
        ),
      );
    });
}
