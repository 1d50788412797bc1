import { randomInt, randomUUID } from 'node:crypto';
import type { StoryHttp } from './story-http.ts';

/**
 * The issuer's side of the story, over its API (`/issuer/v1`): what the
 * cardholder's app does with a session token, and what the sandbox operator
 * does with the operator key in the providers' place — read the SMS inbox,
 * approve the face scan, pay the Alipay order.
 */

const ISSUER = '/issuer/v1';
const STATEMENT_PAGE = 100;
// A card in the story has a handful of lines; this bounds a runaway loop, not the story.
const STATEMENT_PAGES_MAX = 20;

export interface CardholderJson {
  readonly id: string;
  readonly phone: string;
  readonly kyc_status: string;
  readonly invite_code: string;
  readonly opening_fee_waived: boolean;
  readonly referral: { readonly invite_code: string } | null;
}

export interface CardJson {
  readonly id: string;
  readonly status: string;
  readonly last4: string;
  readonly exp_month: number;
  readonly exp_year: number;
  readonly cardholder_name: string;
  readonly billing_address: { readonly line1?: string; readonly city?: string; readonly postal_code?: string; readonly country?: string };
  readonly balance: { readonly posted: number; readonly held: number; readonly available: number };
  readonly opening_fee: { readonly amount: number; readonly waived: boolean };
}

export interface RevealedCard {
  readonly number: string;
  readonly cvc: string;
  readonly exp_month: number;
  readonly exp_year: number;
}

export interface AmountJson {
  readonly amount_minor: number;
  readonly currency: string;
  readonly formatted: string;
}

export interface TopUpQuoteJson {
  readonly id: string;
  readonly cny_amount: AmountJson;
  readonly fee: AmountJson;
  readonly rate: string;
  readonly usd_amount: AmountJson;
}

export interface TopUpJson {
  readonly id: string;
  readonly status: string;
  readonly usd_amount: AmountJson;
  readonly pay_url: string | null;
}

export interface IssuerAuthorizationJson {
  readonly id: string;
  readonly status: string;
  readonly purpose: 'purchase' | 'account_verification';
  readonly approved: boolean;
  readonly amount: number;
  readonly held: number;
  readonly cleared: number;
  readonly refunded: number;
  readonly initiator: 'customer' | 'merchant';
  readonly response_code: string;
  readonly reason: string;
  readonly merchant: { readonly name: string };
}

export interface StatementLineJson {
  readonly id: string;
  readonly type: string;
  readonly amount: number;
  readonly status: 'pending' | 'settled' | 'declined' | 'reversed' | 'refunded' | 'expired';
  readonly created_at: string;
  readonly merchant: { readonly name: string } | null;
  readonly authorization: string | null;
  readonly decline: { readonly response_code: string; readonly reason: string; readonly message_zh: string; readonly message_en: string } | null;
}

/** The card's bound merchants (GET /cards/:id/merchants): accounts each merchant has on the card, and the card's limit. */
export interface BoundMerchantsJson {
  readonly max_accounts_per_merchant: number;
  readonly data: ReadonlyArray<{ readonly merchant: { readonly id: string; readonly name: string }; readonly accounts: number; readonly full: boolean }>;
}

export interface WithdrawalJson {
  readonly id: string;
  readonly status: string;
  readonly amount: AmountJson;
  readonly fee: AmountJson;
  readonly payout: AmountJson;
  readonly payout_cny: AmountJson;
}

/** The sandbox operator: stands in for the SMS gateway, the face-scan provider and the payer's Alipay. */
export class SandboxOperator {
  constructor(
    private readonly http: StoryHttp,
    private readonly operatorKey: string,
  ) {}

  /** The newest code texted to `phone`, as the person would read it off their phone. */
  async latestCode(phone: string): Promise<string> {
    const inbox = await this.http.get<{ data: Array<{ body: string }> }>(`${ISSUER}/operator/sms`, { token: this.operatorKey, query: { phone, limit: 1 } });
    const code = /\b(\d{6})\b/.exec(inbox.data[0]?.body ?? '')?.[1];
    if (code === undefined) throw new Error(`no code in the sandbox SMS inbox of ${phone}`);
    return code;
  }

  async approveKyc(verificationId: string): Promise<{ status: string }> {
    return this.http.post(`${ISSUER}/operator/kyc/${encodeURIComponent(verificationId)}/approve`, { token: this.operatorKey, idempotencyKey: randomUUID() });
  }

  /** The payer scans the QR code and pays in Alipay; the sandbox sends its signed notify to the issuer. */
  async payTopUp(topUpId: string): Promise<{ notify_answer: string; top_up: TopUpJson }> {
    return this.http.post(`${ISSUER}/operator/sandbox/alipay/${encodeURIComponent(topUpId)}/pay`, { token: this.operatorKey });
  }
}

/** A Chinese mobile number nobody in this data directory is likely to have yet (138 + 8 random digits). */
export function newPhoneNumber(): string {
  return `+86138${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

/** The cardholder's app, signed in. */
export class CardholderApp {
  private constructor(
    private readonly http: StoryHttp,
    readonly token: string,
    readonly cardholder: CardholderJson,
  ) {}

  /**
   * Signs a new cardholder up with an SMS code (and an invite code). A
   * number that already belongs to someone is swapped for another: the
   * story needs a new cardholder, whose invite code still counts.
   */
  static async signUp(http: StoryHttp, operator: SandboxOperator, inviteCode: string | null): Promise<CardholderApp> {
    const TRIES = 3;
    for (let attempt = 1; ; attempt++) {
      const phone = newPhoneNumber();
      await http.post(`${ISSUER}/sessions/code`, { json: { phone }, idempotencyKey: randomUUID() });
      const code = await operator.latestCode(phone);
      const session = await http.post<{ token: string; signed_up: boolean; cardholder: CardholderJson }>(`${ISSUER}/sessions`, {
        json: { phone, code, ...(inviteCode === null ? {} : { invite_code: inviteCode }) },
      });
      if (session.signed_up) return new CardholderApp(http, session.token, session.cardholder);
      if (attempt >= TRIES) throw new Error(`${TRIES} random phone numbers in a row already had cardholders`);
    }
  }

  /** Signs the same cardholder in again with a fresh SMS code: what the app asks for once its session has lapsed. */
  async signInAgain(operator: SandboxOperator): Promise<CardholderApp> {
    const phone = this.cardholder.phone;
    await this.http.post(`${ISSUER}/sessions/code`, { json: { phone }, idempotencyKey: randomUUID() });
    const code = await operator.latestCode(phone);
    const session = await this.http.post<{ token: string; signed_up: boolean; cardholder: CardholderJson }>(`${ISSUER}/sessions`, { json: { phone, code } });
    if (session.signed_up || session.cardholder.id !== this.cardholder.id) throw new Error(`signing ${phone} in again made a new cardholder ${session.cardholder.id}`);
    return new CardholderApp(this.http, session.token, session.cardholder);
  }

  async me(): Promise<CardholderJson> {
    return this.#get(`/me`);
  }

  async startKyc(): Promise<{ id: string; status: string; qr_payload: string | null }> {
    return this.#post('/kyc');
  }

  async kycStatus(): Promise<{ status: string }> {
    return this.#get('/kyc');
  }

  async quoteTopUp(cnyMinor: number): Promise<TopUpQuoteJson> {
    return this.http.post(`${ISSUER}/wallet/top-up-quotes`, { token: this.token, json: { cny_amount: cnyMinor } });
  }

  async createTopUp(quoteId: string): Promise<TopUpJson> {
    return this.http.post(`${ISSUER}/wallet/top-ups`, { token: this.token, json: { quote_id: quoteId } });
  }

  async wallet(): Promise<{ available: AmountJson }> {
    return this.#get('/wallet');
  }

  async openCard(): Promise<CardJson> {
    return this.#post('/cards', {});
  }

  async card(cardId: string): Promise<CardJson> {
    return this.#get(`/cards/${encodeURIComponent(cardId)}`);
  }

  async boundMerchants(cardId: string): Promise<BoundMerchantsJson> {
    return this.#get(`/cards/${encodeURIComponent(cardId)}/merchants`);
  }

  async loadCard(cardId: string, amountMinor: number): Promise<CardJson> {
    return this.#post(`/cards/${encodeURIComponent(cardId)}/load`, { amount: amountMinor });
  }

  /** Card → wallet: what the card has available (holds count). */
  async unloadCard(cardId: string, amountMinor: number): Promise<CardJson> {
    return this.#post(`/cards/${encodeURIComponent(cardId)}/unload`, { amount: amountMinor });
  }

  async withdrawal(id: string): Promise<WithdrawalJson> {
    return this.#get(`/wallet/withdrawals/${encodeURIComponent(id)}`);
  }

  /** Wallet → Alipay, fee included in `amountMinor`. */
  async withdraw(amountMinor: number): Promise<WithdrawalJson> {
    return this.#post('/wallet/withdrawals', { amount: amountMinor });
  }

  /** Texts a one-time code for showing the full card number (it shares the phone's one-SMS-a-minute budget with sign-in). */
  async requestRevealCode(cardId: string): Promise<void> {
    await this.http.post(`${ISSUER}/cards/${encodeURIComponent(cardId)}/reveal-code`, { token: this.token });
  }

  async reveal(cardId: string, code: string): Promise<RevealedCard> {
    return this.http.post(`${ISSUER}/cards/${encodeURIComponent(cardId)}/reveal`, { token: this.token, json: { code } });
  }

  async authorizations(cardId: string): Promise<IssuerAuthorizationJson[]> {
    return (await this.#get<{ data: IssuerAuthorizationJson[] }>(`/cards/${encodeURIComponent(cardId)}/authorizations`, { limit: 100 })).data;
  }

  /** Every line of the card's statement, newest first. */
  async statement(cardId: string): Promise<StatementLineJson[]> {
    const lines: StatementLineJson[] = [];
    let after: string | null = null;
    for (let page = 0; page < STATEMENT_PAGES_MAX; page++) {
      const query: Record<string, string | number> = { limit: STATEMENT_PAGE, ...(after === null ? {} : { starting_after: after }) };
      const answer: { data: StatementLineJson[]; has_more: boolean; next_cursor: string | null } = await this.#get(`/cards/${encodeURIComponent(cardId)}/statement`, query);
      lines.push(...answer.data);
      if (!answer.has_more || answer.next_cursor === null) return lines;
      after = answer.next_cursor;
    }
    throw new Error(`the statement of ${cardId} has more than ${STATEMENT_PAGES_MAX * STATEMENT_PAGE} lines`);
  }

  #get<T>(path: string, query?: Record<string, string | number>): Promise<T> {
    return this.http.get<T>(`${ISSUER}${path}`, { token: this.token, ...(query ? { query } : {}) });
  }

  #post<T>(path: string, json?: unknown): Promise<T> {
    return this.http.post<T>(`${ISSUER}${path}`, { token: this.token, idempotencyKey: randomUUID(), ...(json === undefined ? {} : { json }) });
  }
}
