import { resolve, join } from 'node:path';
import { Command } from 'commander';
import { DEMO_CREDENTIALS_FILE_NAME, readDemoCredentials } from '../../acquirer/index.ts';
import { DEMO_OWNER_EMAIL, readDemoBillingCredentials } from '../../billing/index.ts';
import type { DemoIssuerCredentials } from '../../issuer/index.ts';
import { readDemoCredentialsSection } from '../../platform/demo-credentials-file.ts';
import { demoStoryCommand } from './demo-story.ts';
import { printJson, printTable, type Io } from '../output.ts';
import { cardlaneUrl, DEFAULT_URL } from '../server-url.ts';

/** `cardlane demo …`: what a person or a script needs to try the demo parties. */
export function demoCommand(io: Io): Command {
  const demo = new Command('demo').description('the demo organization, merchant and cardholder that `cardlane up` prepares');
  demo
    .command('credentials')
    .description('print every demo address and key (from the data directory `cardlane up` used)')
    .option('--data-dir <dir>', 'data directory (default: ./.cardlane; env CARDLANE_DATA_DIR)')
    .option('--url <url>', `where Cardlane listens (default: where \`cardlane up\` on this data directory listens, else ${DEFAULT_URL}; env CARDLANE_URL)`)
    .option('--json', 'print JSON for scripts')
    .action((options: { dataDir?: string; url?: string; json?: boolean }) => {
      const dataDir = resolve(options.dataDir ?? process.env.CARDLANE_DATA_DIR ?? '.cardlane');
      const url = cardlaneUrl(options.url, dataDir);
      const acquirer = readDemoCredentials(dataDir);
      if (acquirer === null) {
        io.stderr.write(`No demo credentials in ${join(dataDir, DEMO_CREDENTIALS_FILE_NAME)}: run \`cardlane up\` (with the same --data-dir) first.\n`);
        process.exitCode = 1;
        return;
      }
      const billing = readDemoBillingCredentials(dataDir);
      const cardholder = readDemoCredentialsSection<DemoIssuerCredentials>(dataDir, 'issuer');
      const { hostname, port, protocol } = new URL(url);
      const credentials = {
        url,
        issuer: { base_url: `${url}/issuer/v1`, operator_key_file: join(dataDir, 'operator-key'), ...(cardholder === null ? {} : { demo_cardholder: cardholder }) },
        acquirer: {
          base_url: `${url}/v1`,
          stripe_sdk_options: { host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || (protocol === 'https:' ? 443 : 80)), protocol: protocol.replace(':', '') },
          ...acquirer,
        },
        ...(billing === null
          ? {}
          : {
              billing: { base_url: `${url}${billing.base_url_path}`, organization_id: billing.organization_id, api_key: billing.api_key },
              billing_page: { url: `${url}/billing`, owner_email: DEMO_OWNER_EMAIL, sandbox_mail_url: `${url}/billing/v1/sandbox/mail?to=${encodeURIComponent(DEMO_OWNER_EMAIL)}` },
            }),
      };
      if (options.json) {
        printJson(io, credentials);
        return;
      }
      printTable(io, [
        ['Cardlane', url],
        ['Issuer API', credentials.issuer.base_url],
        ['Operator key file', credentials.issuer.operator_key_file],
        ...(cardholder === null
          ? []
          : ([
              ['Demo cardholder', `${cardholder.phone}  card •••• ${cardholder.card_last4} (${cardholder.card_id})`],
              ['  sign in', `cardlane issuer sign-in --phone ${cardholder.phone}`],
            ] as const)),
        ['Acquirer (Stripe API)', credentials.acquirer.base_url],
        ['Demo merchant', `${acquirer.merchant_id} (${acquirer.merchant_name})`],
        ['  secret key', acquirer.secret_key],
        ['  publishable key', acquirer.publishable_key],
        ...(credentials.billing === undefined || credentials.billing_page === undefined
          ? []
          : ([
              ['Merchant API (OpenAI)', credentials.billing.base_url],
              ['Demo organization', credentials.billing.organization_id],
              ['  API key', credentials.billing.api_key],
              ['Billing page', credentials.billing_page.url],
              ['  owner (sign in)', credentials.billing_page.owner_email],
              ['  sign-in codes (operator key)', credentials.billing_page.sandbox_mail_url],
            ] as const)),
      ]);
    });
  demo.addCommand(demoStoryCommand(io));
  return demo;
}
