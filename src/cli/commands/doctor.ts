import { Command } from 'commander';
import { systemClock } from '../../platform/clock.ts';
import { loadCardlaneConfig } from '../../app/index.ts';
import { AppError } from '../../platform/errors.ts';
import { CliError, EXIT_FAILURE, EXIT_USAGE, printJson, type Io } from '../output.ts';
import { addDatabaseOptions, configFlags, type DatabaseOptions } from './options.ts';

interface DoctorFlags extends DatabaseOptions {
  readonly card?: string;
  readonly from?: string;
  readonly to?: string;
  readonly view: string;
  readonly lang: string;
  readonly json?: boolean;
}

const DEFAULT_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * `cardlane doctor <id>` and `cardlane doctor --card <card> --from --to`:
 * the decline doctor on the local data directory's database. Locally you
 * are the operator (you hold the database and the keys), so the default
 * view shows everything; `--view merchant|cardholder` previews exactly what
 * that party's API view would show of the same payment.
 */
export function doctorCommand(io: Io): Command {
  return addDatabaseOptions(new Command('doctor'))
    .description('why was a card declined? follow a payment, setup, billing attempt or authorization — or a card over a time window — across the parties')
    .argument('[id]', 'pi_…, seti_…, ch_…, iauth_…, tbauth_…, a billing attempt id, or a network message id')
    .option('--card <card id>', 'trace every attempt on this Cardlane card (card_…) instead of one id')
    .option('--from <time>', 'with --card: start of the window, ISO 8601 (default: 30 days before --to)')
    .option('--to <time>', 'with --card: end of the window, ISO 8601 (default: now)')
    .option('--view <view>', 'operator, merchant or cardholder: see what that party sees', 'operator')
    .option('--lang <lang>', 'en or zh-CN', 'en')
    .option('--json', 'print the trace as one JSON object')
    .action(async (id: string | undefined, flags: DoctorFlags) => {
      const { isLang, isView } = await import('../../doctor/index.ts');
      if (!isView(flags.view)) throw new CliError(`--view must be operator, merchant or cardholder, not ${flags.view}`, EXIT_USAGE);
      if (!isLang(flags.lang)) throw new CliError(`--lang must be en or zh-CN, not ${flags.lang}`, EXIT_USAGE);
      if ((id === undefined) === (flags.card === undefined)) throw new CliError('give either an id or --card <card id>', EXIT_USAGE);

      const config = loadCardlaneConfig({ flags: configFlags(flags), env: process.env, cwd: process.cwd() });
      const { openDatabase } = await import('../../platform/db/open.ts');
      const { buildDoctor, issuerCard } = await import('../../app/index.ts');
      const { isDisputeId, renderDisputeTrace, renderTrace } = await import('../../doctor/index.ts');
      const { cryptoRandom, IdGenerator } = await import('../../platform/ids.ts');
      const { createLogger } = await import('../../platform/logger.ts');
      const db = openDatabase(config.database);
      try {
        const runtime = { db, clock: systemClock, ids: new IdGenerator(systemClock, cryptoRandom), random: cryptoRandom, config, logger: createLogger({ level: 'silent' }) };
        const { doctor } = buildDoctor(runtime, config).api;
        // Times in the advice are the reader's: this machine's time zone.
        const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (id !== undefined && isDisputeId(id)) {
          // A dispute is traced across the parties like a payment; from the CLI, in the operator's view.
          if (flags.view !== 'operator') throw new CliError('a dispute is traced in the operator view here; the merchant and the cardholder see theirs over HTTP (/doctor/v1/traces/<id>)', EXIT_USAGE);
          const disputeTrace = await doctor.traceDispute(id, { view: 'operator' }, flags.lang);
          if (flags.json) printJson(io, disputeTrace);
          else io.stdout.write(renderDisputeTrace(disputeTrace, timeZone));
          return;
        }
        let trace;
        if (id !== undefined) {
          let principal: import('../../doctor/index.ts').Principal = { view: 'operator' };
          if (flags.view !== 'operator') {
            const owners = await doctor.ownersOf(id);
            const owner = flags.view === 'merchant' ? owners.merchantId : owners.cardholderId;
            if (owner === null) throw new CliError(`no ${flags.view} is known for ${id}`, EXIT_FAILURE);
            principal = flags.view === 'merchant' ? { view: 'merchant', merchantId: owner } : { view: 'cardholder', cardholderId: owner };
          }
          trace = await doctor.trace(id, principal, flags.lang, { nowMs: systemClock.nowMs(), timeZone });
        } else {
          const toMs = flags.to === undefined ? systemClock.nowMs() : timeOf(flags.to, '--to');
          const fromMs = flags.from === undefined ? toMs - DEFAULT_WINDOW_MS : timeOf(flags.from, '--from');
          let principal: import('../../doctor/index.ts').Principal = { view: 'operator' };
          if (flags.view === 'merchant') throw new CliError('a merchant cannot look at a card; trace a payment id with --view merchant', EXIT_USAGE);
          if (flags.view === 'cardholder') {
            const card = await issuerCard(db, flags.card!);
            if (card === undefined) throw new CliError(`no such card: ${flags.card}`, EXIT_FAILURE);
            principal = { view: 'cardholder', cardholderId: card.cardholderId };
          }
          trace = await doctor.traceCard(flags.card!, { fromMs, toMs }, principal, flags.lang, { timeZone });
        }
        if (flags.json) printJson(io, trace);
        else io.stdout.write(renderTrace(trace, timeZone));
      } catch (error) {
        if (error instanceof AppError) throw new CliError(error.message, error.status === 404 || error.status >= 500 ? EXIT_FAILURE : EXIT_USAGE);
        throw error;
      } finally {
        await db.close();
      }
    });
}

function timeOf(text: string, flag: string): number {
  const ms = Date.parse(text);
  if (!Number.isSafeInteger(ms)) throw new CliError(`${flag} must be an ISO 8601 time, e.g. 2026-11-25T12:00:00Z`, EXIT_USAGE);
  return ms;
}
