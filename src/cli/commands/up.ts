import { Command } from 'commander';
import type { Cardlane } from '../../app/index.ts';
import { DEMO_OWNER_EMAIL } from '../../billing/index.ts';
import { isLoopbackAddress } from '../../platform/http/loopback.ts';
import { VERSION } from '../../version.ts';
import { printJson, printTable, type Io } from '../output.ts';
import { addDatabaseOptions, configFlags, type DatabaseOptions } from './options.ts';

interface UpOptions extends DatabaseOptions {
  readonly host?: string;
  readonly port?: string;
  readonly json?: boolean;
  readonly issuerLink?: string;
  readonly issuerLinkPort?: string;
}

/** Starts every part of Cardlane in this process and runs until SIGINT/SIGTERM. */
export function upCommand(io: Io): Command {
  return addDatabaseOptions(new Command('up'))
    .description('start Cardlane (every party, one process) and print where each part listens')
    .option('--host <host>', 'address to listen on (default: 127.0.0.1; env CARDLANE_HOST)')
    .option('--port <port>', 'port to listen on, 0 for any free one (default: 4400; env CARDLANE_PORT)')
    .option('--issuer-link <link>', "how the card network reaches Cardlane's issuer: in-process, or iso8583 (ISO 8583 over TCP on 127.0.0.1) (default: in-process; env CARDLANE_NETWORK_ISSUER_LINK)")
    .option('--issuer-link-port <port>', "port of the issuer's ISO 8583 server under iso8583, 0 for any free one (default: 0; env CARDLANE_NETWORK_ISSUER_LINK_PORT)")
    .option('--json', 'print one JSON line describing the running instance, for programs')
    .action(async (options: UpOptions) => {
      // Loaded here, not at the top: `cardlane --help` and `version` should
      // not pay for loading the HTTP server and both database drivers.
      const { startCardlane } = await import('../../app/index.ts');
      const { exitOnFatalError, exitOnSignal } = await import('../../platform/shutdown.ts');
      // The long-running server: the one every other `cardlane` command on this data directory should find.
      const flags = { ...configFlags(options), sectionFlags: { '--issuer-link': options.issuerLink, '--issuer-link-port': options.issuerLinkPort } };
      const cardlane = await startCardlane({ flags, env: process.env, cwd: process.cwd(), recordServerUrl: true });
      exitOnFatalError(cardlane.logger);
      // The backstop sits a little above close()'s own deadline so that one
      // normally wins and the exit code reflects a clean stop.
      exitOnSignal(() => cardlane.close(), {
        logger: cardlane.logger,
        timeoutMs: cardlane.config.shutdownTimeoutMs + 5_000,
      });
      if (options.json) printJson(io, describe(cardlane));
      else printBanner(io, cardlane);
    });
}

function describe(cardlane: Cardlane) {
  const { url, config } = cardlane;
  return {
    status: 'up',
    version: VERSION,
    pid: process.pid,
    url,
    openapi_url: `${url}/openapi.json`,
    docs_url: `${url}/docs`,
    metrics_url: `${url}/metrics`,
    healthz_url: `${url}/healthz`,
    readyz_url: `${url}/readyz`,
    data_dir: config.dataDir,
    database: cardlane.databaseDescription,
    config_file: config.configFile,
    migrations_applied: cardlane.migrationsApplied,
    background_tasks: cardlane.backgroundTaskNames,
    security_warnings: cardlane.securityWarnings,
    operator_key_file: cardlane.operatorKeyFile,
    operator_key_created: cardlane.operatorKeyCreated,
    operator_key_in_database: cardlane.operatorKeyInDatabase,
    merchant_api: {
      base_url: `${url}${cardlane.demoOrganization.base_url_path}`,
      organization_id: cardlane.demoOrganization.organization_id,
      api_key: cardlane.demoOrganization.api_key,
    },
    acquirer: {
      stripe_api_base: url,
      merchant_id: cardlane.demoMerchant.merchant_id,
      secret_key: cardlane.demoMerchant.secret_key,
      publishable_key: cardlane.demoMerchant.publishable_key,
    },
    billing_page: { url: `${url}/billing`, owner_email: DEMO_OWNER_EMAIL },
    cardholder_app: { url: `${url}/app`, phone: cardlane.demoCardholder.phone },
    // The issuer's and network's operations people sign in there with an operator key (the one above, or one they were given).
    operator_console: { url: `${url}/console` },
    // How the card network reaches Cardlane's issuer; `address` is the issuer's ISO 8583 server under iso8583.
    issuer_link: { mode: cardlane.issuerLink.mode, address: cardlane.issuerLink.address },
    // No card number here: the person reveals it through the issuer (a one-time code to the phone).
    issuer: {
      base_url: `${url}/issuer/v1`,
      cardholder_id: cardlane.demoCardholder.cardholder_id,
      phone: cardlane.demoCardholder.phone,
      card_id: cardlane.demoCardholder.card_id,
      card_last4: cardlane.demoCardholder.card_last4,
    },
  };
}

/**
 * Where the operator key is, truthfully: a process started on a database
 * another process set up has no file of its own, and the key was not
 * "removed" — it is in the other data directory and sealed in the database.
 */
function operatorKeyLine(info: ReturnType<typeof describe>): string {
  if (info.operator_key_file !== null) return info.operator_key_file;
  if (info.operator_key_in_database) {
    return `not in this data directory (created by another process on this database, or removed from here) — write it here with: cardlane operator-key --data-dir ${info.data_dir}`;
  }
  return '(not in this data directory, and the first key is no longer live: use an operator key you were given)';
}

function printBanner(io: Io, cardlane: Cardlane): void {
  const info = describe(cardlane);
  io.stdout.write(`Cardlane ${VERSION} is up.\n\n`);
  // First, where a person cannot miss them: each is also in the log.
  for (const warning of info.security_warnings) io.stdout.write(`WARNING: ${warning}\n`);
  if (info.security_warnings.length > 0) io.stdout.write('\n');
  printTable(io, [
    ['API', info.url],
    ['OpenAPI document', info.openapi_url],
    ['API reference', info.docs_url],
    // Beyond loopback, /metrics answers only to the operator key (platform/http/metrics.ts).
    ['Metrics', isLoopbackAddress(cardlane.config.host) ? info.metrics_url : `${info.metrics_url}  (with the operator key: Authorization: Bearer op_…)`],
    ['Health', `${info.healthz_url}  (readiness: ${info.readyz_url})`],
    ['Data directory', info.data_dir],
    ['Database', info.database],
    ['Config file', info.config_file ?? '(none)'],
    ['Operator key', operatorKeyLine(info)],
    ['Acquirer (Stripe API)', `${info.url}/v1  — point the stripe SDK here with host/port/protocol`],
    ['Demo merchant', `${info.acquirer.merchant_id} (${cardlane.demoMerchant.merchant_name})`],
    ['  secret key', info.acquirer.secret_key],
    ['  publishable key', info.acquirer.publishable_key],
    ['Merchant API (OpenAI)', `${info.merchant_api.base_url}  — the demo API business, metered in credits`],
    ['Demo organization', info.merchant_api.organization_id],
    ['  API key', info.merchant_api.api_key],
    ['Billing page', `${info.billing_page.url}  (owner: ${info.billing_page.owner_email})`],
    ['Issuer API (cardholder)', info.issuer.base_url],
    ['Demo cardholder', `${info.issuer.phone}  card •••• ${info.issuer.card_last4} (${info.issuer.card_id})`],
    ['Cardholder app', `${info.cardholder_app.url}  (sign in as ${info.cardholder_app.phone}; its SMS code: npx cardlane issuer sms-inbox --phone ${info.cardholder_app.phone})`],
    ['Operator console', `${info.operator_console.url}  (sign in with an operator key)`],
    ['Network → issuer', info.issuer_link.address === null ? 'in process' : `ISO 8583 over TCP, the issuer's server at ${info.issuer_link.address}`],
  ]);
  io.stdout.write(`\nSign in as the demo cardholder: cardlane issuer sign-in --phone ${info.issuer.phone}\n`);
  io.stdout.write('Try the seed\'s story: npx cardlane demo story\n');
  if (info.operator_key_created && info.operator_key_file) {
    io.stdout.write(`\nA new operator key was written to ${info.operator_key_file} (mode 0600). Send it as\n  Authorization: Bearer $(cat ${info.operator_key_file})\nfor operator routes (settings, KYC, sandbox controls).\n`);
  }
  io.stdout.write('\nLogs go to standard error. Press Ctrl+C to stop.\n');
}
