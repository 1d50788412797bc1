import { formatMoney, money } from '../../platform/money.ts';
import { countryName } from '../../platform/countries.ts';
import type { AppliesTo, PaymentScope, RiskCondition, RiskRule, RulePurpose } from './rule-types.ts';

/**
 * Two ways to say what a rule does. `describeRule` is one line of English
 * for the merchant's people ("Block prepaid cards on customer-initiated
 * purchases"); `rulePredicate` is the condition in Radar's rule syntax
 * (`:card_funding: = 'prepaid' and :is_off_session: = false`), exact enough
 * for a trace. Neither is shown to a cardholder: a merchant's rules are its own.
 */

type Describable = Pick<RiskRule, 'action' | 'condition' | 'appliesTo' | 'purpose' | 'onlyWhen' | 'exceptWhen'>;

export function describeRule(rule: Describable): string {
  const scoped = rule.onlyWhen || rule.exceptWhen ? ` (${describePaymentScope(rule, 'en')})` : '';
  return `${describeCondition(rule)}${scoped}`;
}

/**
 * A rule's payment scope for people: "only payments with metadata product
 * = plus", "except payments whose description contains “Plus”" — in the
 * merchant's language (the API gives both).
 */
export function describePaymentScope(rule: Pick<RiskRule, 'onlyWhen' | 'exceptWhen'>, lang: 'en' | 'zh-CN'): string {
  const parts: string[] = [];
  if (rule.onlyWhen) parts.push(lang === 'zh-CN' ? `只看${paymentScopeWords(rule.onlyWhen, lang)}的付款` : `only payments with ${paymentScopeWords(rule.onlyWhen, lang)}`);
  if (rule.exceptWhen) parts.push(lang === 'zh-CN' ? `${paymentScopeWords(rule.exceptWhen, lang)}的付款除外` : `except payments with ${paymentScopeWords(rule.exceptWhen, lang)}`);
  return parts.join(lang === 'zh-CN' ? '；' : '; ');
}

function paymentScopeWords(scope: PaymentScope, lang: 'en' | 'zh-CN'): string {
  const pairs = Object.entries(scope.metadata ?? {}).map(([key, value]) => (lang === 'zh-CN' ? `元数据中 ${key} 为“${value}”` : `metadata ${key} = “${value}”`));
  if (scope.description_contains !== undefined) {
    pairs.push(lang === 'zh-CN' ? `描述包含“${scope.description_contains}”` : `a description containing “${scope.description_contains}”`);
  }
  return pairs.join(lang === 'zh-CN' ? '且' : ' and ');
}

function describeCondition(rule: Describable): string {
  const verb = rule.action === 'allow' ? 'Allow' : 'Block';
  const scope = scopeWords(rule.appliesTo, rule.purpose);
  const c = rule.condition;
  switch (c.kind) {
    case 'card_country':
      return 'in' in c
        ? `${verb} cards issued in ${countries(c.in, 'or')}${scope.onPayments}`
        : `${verb} cards not issued in ${countries(c.not_in, 'or')}${scope.onPayments}`;
    case 'card_funding':
      return `${verb} ${words(c.in, 'and')} cards${scope.onPayments}`;
    case 'velocity': {
      const who = c.per === 'card_fingerprint' ? 'the same card' : 'the same customer';
      const attempts = c.max_attempts === 1 ? '1 attempt' : `${c.max_attempts} attempts`;
      return `${verb} ${scope.payments} from ${who} beyond ${attempts} within ${duration(c.window_seconds)}`;
    }
    case 'amount':
      return `${verb} ${scope.payments} over ${formatMoney(money(c.above_minor, c.currency.toUpperCase()))}`;
    case 'avs': {
      const parts = [c.block_if_line1_fails ? 'address line 1' : null, c.block_if_postal_code_fails ? 'postal code' : null].filter((p) => p !== null);
      return `${verb} ${scope.payments} when the issuer's ${parts.join(' or ')} check fails`;
    }
    case 'cvc':
      return `${verb} ${scope.payments} when the issuer's CVC check fails`;
    case 'name_check':
      return `${verb} ${scope.payments} when the issuer's name check is ${words(c.in.map((r) => (r === 'no_match' ? 'no match' : 'a partial match')), 'or')}`;
    case 'card_fingerprint':
      return `${verb} ${c.in.length === 1 ? '1 listed card' : `${c.in.length} listed cards`}${scope.onPayments}`;
  }
}

/** The rule's condition and scope in Radar's syntax. */
export function rulePredicate(rule: Describable): string {
  const only = rule.onlyWhen ? [paymentScopePredicate(rule.onlyWhen)] : [];
  const except = rule.exceptWhen ? [`not (${paymentScopePredicate(rule.exceptWhen)})`] : [];
  return [conditionPredicate(rule.condition), ...scopePredicate(rule.appliesTo, rule.purpose), ...only, ...except].join(' and ');
}

/** Radar writes a metadata key as `::key::`; the description test is Cardlane's (`:description: contains '…'`, case-insensitive). */
function paymentScopePredicate(scope: PaymentScope): string {
  const parts = Object.entries(scope.metadata ?? {}).map(([key, value]) => `::${key}:: = ${quote(value)}`);
  if (scope.description_contains !== undefined) parts.push(`:description: contains ${quote(scope.description_contains)}`);
  return parts.join(' and ');
}

export function conditionPredicate(c: RiskCondition): string {
  switch (c.kind) {
    case 'card_country':
      return 'in' in c ? `:card_country: ${inList(c.in)}` : `:card_country: not ${inList(c.not_in)}`;
    case 'card_funding':
      return `:card_funding: ${c.in.length === 1 ? `= ${quote(c.in[0]!)}` : inList(c.in)}`;
    case 'velocity':
      return `:total_attempts_per_${c.per}_last_${c.window_seconds}s: > ${c.max_attempts}`;
    case 'amount':
      return `:currency: = ${quote(c.currency)} and :amount_minor: > ${c.above_minor}`;
    case 'avs': {
      const parts = [c.block_if_line1_fails ? ":address_line1_check: = 'fail'" : null, c.block_if_postal_code_fails ? ":address_zip_check: = 'fail'" : null];
      const present = parts.filter((p) => p !== null);
      return present.length === 1 ? present[0]! : `(${present.join(' or ')})`;
    }
    case 'cvc':
      return ":cvc_check: = 'fail'";
    case 'name_check':
      return `:name_check: ${c.in.length === 1 ? `= ${quote(c.in[0]!)}` : inList(c.in)}`;
    case 'card_fingerprint':
      return `:card_fingerprint: ${inList(c.in, 5)}`;
  }
}

function scopePredicate(appliesTo: AppliesTo, purpose: RulePurpose): string[] {
  const parts: string[] = [];
  if (appliesTo === 'customer_initiated') parts.push(':is_off_session: = false');
  if (appliesTo === 'merchant_initiated') parts.push(':is_off_session: = true');
  if (purpose !== 'all') parts.push(`:purpose: = ${quote(purpose)}`);
  return parts;
}

function scopeWords(appliesTo: AppliesTo, purpose: RulePurpose): { payments: string; onPayments: string } {
  const initiated = appliesTo === 'customer_initiated' ? 'customer-initiated ' : appliesTo === 'merchant_initiated' ? 'merchant-initiated (off-session) ' : '';
  const what = purpose === 'purchase' ? 'purchases' : purpose === 'account_verification' ? 'card verifications' : 'payments';
  const payments = `${initiated}${what}`;
  return { payments, onPayments: payments === 'payments' ? '' : ` on ${payments}` };
}

function countries(codes: readonly string[], joiner: 'and' | 'or'): string {
  const named = codes.map((code) => {
    const name = countryName(code);
    return name === code ? code : `${name} (${code})`;
  });
  if (named.length > 6) return `${words(named.slice(0, 5), ',')} ${joiner} ${named.length - 5} other countries`;
  return words(named, joiner);
}

function words(items: readonly string[], joiner: 'and' | 'or' | ','): string {
  if (joiner === ',' || items.length === 1) return items.join(', ');
  return `${items.slice(0, -1).join(', ')} ${joiner} ${items[items.length - 1]}`;
}

function duration(seconds: number): string {
  const unit = (count: number, name: string) => `${count} ${name}${count === 1 ? '' : 's'}`;
  if (seconds % 86_400 === 0) return unit(seconds / 86_400, 'day');
  if (seconds % 3_600 === 0) return unit(seconds / 3_600, 'hour');
  if (seconds % 60 === 0) return unit(seconds / 60, 'minute');
  return unit(seconds, 'second');
}

function quote(value: string): string {
  return `'${value.replace(/'/g, "\\'")}'`;
}

function inList(values: readonly string[], shown = Infinity): string {
  const listed = values.slice(0, shown).map(quote);
  if (values.length > shown) listed.push(`… ${values.length - shown} more`);
  return `in (${listed.join(', ')})`;
}
