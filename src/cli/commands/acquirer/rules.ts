import { Command } from 'commander';
import { BLOCK_PREPAID_ON_CUSTOMER_INITIATED } from '../../../acquirer/index.ts';
import type { RiskRuleObject } from '../../../acquirer/index.ts';
import { parseMoney } from '../../../platform/money.ts';
import { CliError, EXIT_USAGE, printTable, type Io } from '../../output.ts';
import { merchantContextOf, output, stripeCall, type MerchantContext } from './merchant-client.ts';

/**
 * `cardlane acquirer rules list | show | add | enable | disable | remove`:
 * the merchant's risk rules (like Stripe Radar's), over `/v1/risk_rules`.
 */

interface AddOptions {
  allow?: boolean;
  funding?: string;
  countryIn?: string;
  countryNotIn?: string;
  velocity?: string;
  per?: string;
  amountAbove?: string;
  currency?: string;
  avs?: string;
  cvc?: boolean;
  nameCheck?: string;
  fingerprint?: string;
  preset?: string;
  appliesTo?: string;
  purpose?: string;
  description?: string;
  disabled?: boolean;
  onlyWhen?: string[];
  onlyWhenDescription?: string;
  exceptWhen?: string[];
  exceptWhenDescription?: string;
}

const PRESETS = { 'block-prepaid-cit': BLOCK_PREPAID_ON_CUSTOMER_INITIATED } as const;
const APPLIES_TO_ALIASES: Record<string, string> = { cit: 'customer_initiated', mit: 'merchant_initiated' };
/** Upper bound on pages walked by `list`: a merchant has at most 100 live rules. */
const LIST_MAX_PAGES = 10;

function usage(message: string): never {
  throw new CliError(message, EXIT_USAGE);
}

/** "prepaid, debit" → ["prepaid", "debit"]. */
function listOf(text: string, flag: string): string[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) usage(`${flag}: give at least one value`);
  return items;
}

/** "5/1h" → 5 attempts within 3600 seconds; the window is seconds or a number with s, m, h or d. */
function velocityOf(text: string, per: string | undefined): Record<string, unknown> {
  const match = /^\s*(\d{1,6})\s*\/\s*(\d{1,9})\s*([smhd]?)\s*$/.exec(text);
  if (!match) usage(`--velocity: expected <attempts>/<window>, e.g. 5/1h or 3/600, got ${JSON.stringify(text)}`);
  const unit = { '': 1, s: 1, m: 60, h: 3_600, d: 86_400 }[match[3] as '' | 's' | 'm' | 'h' | 'd'];
  const key = per === undefined || per === 'card' ? 'card_fingerprint' : per;
  return { kind: 'velocity', per: key, max_attempts: Number(match[1]), window_seconds: Number(match[2]) * unit };
}

function amountOf(text: string, currency: string): Record<string, unknown> {
  try {
    return { kind: 'amount', currency: currency.toLowerCase(), above_minor: parseMoney(text, currency).amount_minor };
  } catch (error) {
    return usage(`--amount-above: ${(error as Error).message}`);
  }
}

/** Collects a repeatable flag's values. */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * `only_when` / `except_when` from `--only-when key=value` (repeatable: all
 * must match) and `--only-when-description <text>`: the payment's own
 * metadata and description, as the API takes them; undefined when neither
 * was given.
 */
function paymentScopeOf(pairs: readonly string[] | undefined, description: string | undefined, flag: string): Record<string, unknown> | undefined {
  if ((pairs === undefined || pairs.length === 0) && description === undefined) return undefined;
  const metadata: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    const key = at < 0 ? '' : pair.slice(0, at).trim();
    if (key === '') usage(`${flag}: expected <key>=<value> of the payment's metadata, e.g. product=plus, got ${JSON.stringify(pair)}`);
    if (key in metadata) usage(`${flag}: ${key} is given twice`);
    metadata[key] = pair.slice(at + 1);
  }
  if (description !== undefined && description.trim() === '') usage(`${flag}-description: give the text the payment's description contains`);
  return { ...(Object.keys(metadata).length === 0 ? {} : { metadata }), ...(description === undefined ? {} : { description_contains: description }) };
}

/** The rule `add` sends, from its flags: exactly one condition. */
function ruleParams(options: AddOptions): Record<string, unknown> {
  if (options.preset !== undefined) {
    const preset = PRESETS[options.preset as keyof typeof PRESETS];
    if (preset === undefined) usage(`--preset: one of ${Object.keys(PRESETS).join(', ')}`);
    return {
      action: preset.action,
      condition: preset.condition,
      applies_to: preset.appliesTo,
      purpose: preset.purpose,
      only_when: paymentScopeOf(options.onlyWhen, options.onlyWhenDescription, '--only-when'),
      except_when: paymentScopeOf(options.exceptWhen, options.exceptWhenDescription, '--except-when'),
      description: preset.description ?? undefined,
    };
  }
  const conditions: Array<Record<string, unknown>> = [];
  if (options.funding !== undefined) conditions.push({ kind: 'card_funding', in: listOf(options.funding, '--funding') });
  if (options.countryIn !== undefined) conditions.push({ kind: 'card_country', in: listOf(options.countryIn, '--country-in').map((c) => c.toUpperCase()) });
  if (options.countryNotIn !== undefined) conditions.push({ kind: 'card_country', not_in: listOf(options.countryNotIn, '--country-not-in').map((c) => c.toUpperCase()) });
  if (options.velocity !== undefined) conditions.push(velocityOf(options.velocity, options.per));
  if (options.amountAbove !== undefined) conditions.push(amountOf(options.amountAbove, options.currency ?? 'usd'));
  if (options.avs !== undefined) {
    const checks = listOf(options.avs, '--avs');
    for (const check of checks) if (check !== 'line1' && check !== 'postal_code') usage(`--avs: line1, postal_code or both, got ${JSON.stringify(check)}`);
    conditions.push({ kind: 'avs', block_if_line1_fails: checks.includes('line1'), block_if_postal_code_fails: checks.includes('postal_code') });
  }
  if (options.cvc) conditions.push({ kind: 'cvc', block_if_fails: true });
  if (options.nameCheck !== undefined) {
    const results = listOf(options.nameCheck, '--name-check');
    for (const r of results) if (r !== 'no_match' && r !== 'partial_match') usage(`--name-check: no_match, partial_match or both, got ${JSON.stringify(r)}`);
    conditions.push({ kind: 'name_check', in: results as ('no_match' | 'partial_match')[] });
  }
  if (options.fingerprint !== undefined) conditions.push({ kind: 'card_fingerprint', in: listOf(options.fingerprint, '--fingerprint') });
  if (conditions.length !== 1) {
    usage(
      `${conditions.length === 0 ? 'give a condition' : 'give only one condition'}: --funding, --country-in, --country-not-in, --velocity, --amount-above, --avs, --cvc, --name-check, --fingerprint or --preset`,
    );
  }
  if (options.per !== undefined && options.velocity === undefined) usage('--per goes with --velocity');
  if (options.currency !== undefined && options.amountAbove === undefined) usage('--currency goes with --amount-above');
  const appliesTo = options.appliesTo === undefined ? undefined : (APPLIES_TO_ALIASES[options.appliesTo] ?? options.appliesTo);
  return {
    action: options.allow ? 'allow' : 'block',
    condition: conditions[0],
    applies_to: appliesTo,
    purpose: options.purpose,
    only_when: paymentScopeOf(options.onlyWhen, options.onlyWhenDescription, '--only-when'),
    except_when: paymentScopeOf(options.exceptWhen, options.exceptWhenDescription, '--except-when'),
    description: options.description,
    enabled: options.disabled ? 'false' : undefined,
  };
}

function printRule(ctx: MerchantContext, rule: RiskRuleObject): void {
  printTable(ctx.io, [
    ['rule', rule.id],
    ['status', rule.enabled ? 'enabled' : 'disabled'],
    ['action', rule.action],
    ['applies to', rule.applies_to],
    ['purpose', rule.purpose],
    ['summary', rule.summary],
    ['predicate', rule.predicate],
    ['description', rule.description ?? '-'],
  ]);
}

const path = (id: string) => `/risk_rules/${encodeURIComponent(id)}`;

export function rulesCommand(io: Io): Command {
  const rules = new Command('rules').description("the merchant's risk rules (like Stripe Radar), checked before the card network");

  rules
    .command('list')
    .description('every rule, newest first')
    .action(async (_options: unknown, command: Command) => {
      const ctx = merchantContextOf(io, command);
      const data: RiskRuleObject[] = [];
      let startingAfter: string | undefined;
      for (let page = 0; page < LIST_MAX_PAGES; page++) {
        const list = await stripeCall<{ data: RiskRuleObject[]; has_more: boolean }>(ctx, 'GET', '/risk_rules', { limit: 100, starting_after: startingAfter });
        data.push(...list.data);
        if (!list.has_more || list.data.length === 0) break;
        startingAfter = list.data[list.data.length - 1]!.id;
      }
      output(ctx, { object: 'list', data, has_more: false, url: '/v1/risk_rules' }, () => {
        if (data.length === 0) {
          ctx.io.stdout.write('No risk rules: every payment goes to the card network (cardlane acquirer rules add --help).\n');
          return;
        }
        printTable(
          ctx.io,
          data.map((rule) => [rule.id, `${rule.enabled ? 'on ' : 'off'}  ${rule.action.padEnd(5)}  ${rule.description ?? rule.summary}`] as const),
        );
      });
    });

  rules
    .command('show')
    .description('one rule')
    .argument('<id>', 'the rule id (rr_…)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = merchantContextOf(io, command);
      const rule = await stripeCall<RiskRuleObject>(ctx, 'GET', path(id));
      output(ctx, rule, () => printRule(ctx, rule));
    });

  rules
    .command('add')
    .description('add a rule with one condition (blocks unless --allow)')
    .option('--allow', 'an allow rule: a payment it matches skips every block rule')
    .option('--funding <list>', 'card funding: credit, debit, prepaid, unknown (comma-separated)')
    .option('--country-in <list>', 'cards issued in these countries (ISO codes, comma-separated)')
    .option('--country-not-in <list>', 'cards issued anywhere but these countries')
    .option('--velocity <attempts/window>', 'more attempts than this within the window, e.g. 5/1h, 3/600 (seconds), 10/1d')
    .option('--per <card|customer>', 'what --velocity counts per (default: card)')
    .option('--amount-above <amount>', 'payments above this amount, e.g. 500.00')
    .option('--currency <code>', 'the currency of --amount-above (default: usd)')
    .option('--avs <checks>', "the issuer's address checks that fail: line1, postal_code or both")
    .option('--cvc', "the issuer's CVC check fails")
    .option('--name-check <results>', "the issuer's name check says no_match, partial_match or both")
    .option('--fingerprint <list>', 'these card fingerprints (a blocklist, or an allowlist with --allow)')
    .option('--preset <name>', `a ready-made rule: ${Object.keys(PRESETS).join(', ')}`)
    .option('--applies-to <scope>', 'all, customer_initiated (cit) or merchant_initiated (mit, off-session) (default: all)')
    .option('--purpose <purpose>', 'all, purchase or account_verification (default: all)')
    .option('--only-when <key=value>', "look only at payments whose metadata has key=value (repeatable: all must match)", collect)
    .option('--only-when-description <text>', "look only at payments whose description contains this text (case-insensitive)")
    .option('--except-when <key=value>', 'exempt payments whose metadata has key=value (repeatable: all must match)', collect)
    .option('--except-when-description <text>', 'exempt payments whose description contains this text (case-insensitive)')
    .option('--description <text>', 'what the rule is for, in your words')
    .option('--disabled', 'add it switched off')
    .action(async (options: AddOptions, command: Command) => {
      const ctx = merchantContextOf(io, command);
      const rule = await stripeCall<RiskRuleObject>(ctx, 'POST', '/risk_rules', ruleParams(options));
      output(ctx, rule, () => {
        ctx.io.stdout.write(`Added ${rule.id}.\n`);
        printRule(ctx, rule);
      });
    });

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    rules
      .command(name)
      .description(enabled ? 'switch a rule on' : 'switch a rule off (it stays listed)')
      .argument('<id>', 'the rule id (rr_…)')
      .action(async (id: string, _options: unknown, command: Command) => {
        const ctx = merchantContextOf(io, command);
        const rule = await stripeCall<RiskRuleObject>(ctx, 'POST', path(id), { enabled: String(enabled) });
        output(ctx, rule, () => ctx.io.stdout.write(`${rule.id} is ${enabled ? 'enabled' : 'disabled'}: ${rule.description ?? rule.summary}\n`));
      });
  }

  rules
    .command('remove')
    .description('delete a rule')
    .argument('<id>', 'the rule id (rr_…)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = merchantContextOf(io, command);
      const result = await stripeCall<{ id: string; deleted: boolean }>(ctx, 'DELETE', path(id));
      output(ctx, result, () => ctx.io.stdout.write(`Removed ${result.id}.\n`));
    });

  return rules;
}
