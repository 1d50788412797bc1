import type { AcquirerDeps } from '../acquirer-deps.ts';
import { AcquirerError } from '../errors.ts';
import { recordEvent } from '../events/events.ts';
import { previousAttributes } from '../events/previous-attributes.ts';
import { MAX_AMOUNT_MINOR, parseCurrency } from '../payments/payment-intent-endpoints.ts';
import { listPage, parseListQuery, stripeList, type ListQuery } from '../stripe/list.ts';
import { updateMetadata, type Metadata, type Params } from '../stripe/params.ts';
import type { StripeCall, StripeEndpoint } from '../stripe/route.ts';
import { MAX_INTERVAL_COUNT, RECURRING_INTERVALS, type RecurringInterval } from './billing-periods.ts';
import { PRICE_COLUMNS, priceObject, PRODUCT_COLUMNS, productObject, requirePrice, requireProduct, type PriceRow, type ProductRow } from './catalog.ts';

/**
 * Stripe's `/v1/products` and `/v1/prices`: create, retrieve, update, list.
 * Each change records `product.*` / `price.*` in its transaction. What a
 * price charges (amount, currency, interval) is fixed once it is made, as at
 * Stripe; only its label, `active` and metadata change.
 */

const NAME_MAX_CHARS = 250;
const DESCRIPTION_MAX_CHARS = 40_000;
const LOOKUP_KEY_MAX_CHARS = 200;
const ID = /^[a-z]{2,8}_[0-9A-Za-z]{10,40}$/;

type Request = { readonly id: string; readonly idempotencyKey: string | null };

export function catalogEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  const eventDeps = (call: StripeCall) => ({ ids: deps.ids, nowMs: call.nowMs });
  const request = (call: StripeCall): Request => ({ id: call.requestId, idempotencyKey: call.idempotencyKey ?? null });

  const createProduct: StripeEndpoint<{ name: string; description: string | null; active: boolean; metadata: Metadata }> = {
    method: 'POST',
    url: '/products',
    summary: 'Create a product',
    parse: (p) => ({
      name: p.requiredString('name', { maxChars: NAME_MAX_CHARS }),
      description: emptyIsNull(p.string('description', { maxChars: DESCRIPTION_MAX_CHARS })) ?? null,
      active: p.boolean('active') ?? true,
      metadata: updateMetadata({}, p.metadata()),
    }),
    run: async (input, call) => {
      const row = await deps.db.transaction(async (tx) => {
        const id = deps.ids.next('prod');
        await tx.run(`INSERT INTO acquirer_products (${PRODUCT_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)`, [
          id, call.merchant.id, input.name, input.description, input.active ? 1 : 0, JSON.stringify(input.metadata), call.nowMs, call.nowMs,
        ]);
        const created = await requireProduct(tx, call.merchant.id, id);
        await recordEvent(tx, eventDeps(call), { merchantId: call.merchant.id, type: 'product.created', object: productObject(created), request: request(call) });
        await call.recovery.record(tx, id);
        return created;
      });
      return productObject(row);
    },
    resume: async (_input, call, id) => productObject(await requireProduct(deps.db, call.merchant.id, id)),
  };

  const retrieveProduct: StripeEndpoint<{ id: string }> = {
    method: 'GET',
    url: '/products/:id',
    summary: 'Retrieve a product',
    parse: (_p, call) => ({ id: call.path.id! }),
    run: async (input, call) => productObject(await requireProduct(deps.db, call.merchant.id, input.id)),
  };

  const updateProduct: StripeEndpoint<{ id: string; name?: string; description?: string | null; active?: boolean; defaultPrice?: string | null; metadata: ReturnType<Params['metadata']> }> = {
    method: 'POST',
    url: '/products/:id',
    summary: 'Update a product',
    parse: (p, call) => ({
      id: call.path.id!,
      name: p.string('name', { maxChars: NAME_MAX_CHARS }),
      description: emptyIsNull(p.string('description', { maxChars: DESCRIPTION_MAX_CHARS })),
      active: p.boolean('active'),
      defaultPrice: emptyIsNull(p.string('default_price', { maxChars: 64, pattern: ID, what: 'not a price id' })),
      metadata: p.metadata(),
    }),
    run: async (input, call) => {
      const row = await deps.db.transaction(async (tx) => {
        const before = await requireProduct(tx, call.merchant.id, input.id, 'id', true);
        if (typeof input.defaultPrice === 'string') {
          const price = await requirePrice(tx, call.merchant.id, input.defaultPrice, 'default_price');
          if (price.product_id !== before.id) throw new AcquirerError('parameter_invalid', `The price ${price.id} belongs to another product.`, { param: 'default_price' });
        }
        const after: ProductRow = {
          ...before,
          name: input.name ?? before.name,
          description: input.description === undefined ? before.description : input.description,
          active: input.active === undefined ? before.active : input.active ? 1 : 0,
          default_price_id: input.defaultPrice === undefined ? before.default_price_id : input.defaultPrice,
          metadata: JSON.stringify(updateMetadata(JSON.parse(before.metadata) as Metadata, input.metadata)),
        };
        const changed = previousAttributes(productObject(before), productObject(after));
        if (changed === undefined) return before;
        const updated = { ...after, updated_at_ms: call.nowMs };
        await tx.run('UPDATE acquirer_products SET name = ?, description = ?, active = ?, default_price_id = ?, metadata = ?, updated_at_ms = ? WHERE id = ?', [
          updated.name, updated.description, updated.active, updated.default_price_id, updated.metadata, call.nowMs, updated.id,
        ]);
        await recordEvent(tx, eventDeps(call), { merchantId: call.merchant.id, type: 'product.updated', object: productObject(updated), previousAttributes: changed, request: request(call) });
        return updated;
      });
      return productObject(row);
    },
  };

  const listProducts: StripeEndpoint<{ query: ListQuery; active: boolean | undefined }> = {
    method: 'GET',
    url: '/products',
    summary: 'List products',
    parse: (p) => ({ query: parseListQuery(p), active: p.boolean('active') }),
    run: async (input, call) => {
      const params: unknown[] = [call.merchant.id];
      let where = 'merchant_id = ?';
      if (input.active !== undefined) {
        where += ' AND active = ?';
        params.push(input.active ? 1 : 0);
      }
      const page = await listPage<ProductRow>(deps.db, { table: 'acquirer_products', columns: PRODUCT_COLUMNS, where, params, query: input.query });
      return stripeList('/v1/products', page.rows.map(productObject), page.hasMore);
    },
  };

  interface NewPrice {
    readonly currency: string;
    readonly unitAmountMinor: number;
    readonly productId: string | undefined;
    readonly productName: string | undefined;
    readonly recurring: { interval: RecurringInterval; count: number } | null;
    readonly nickname: string | null;
    readonly lookupKey: string | null;
    readonly active: boolean;
    readonly metadata: Metadata;
  }

  const createPrice: StripeEndpoint<NewPrice> = {
    method: 'POST',
    url: '/prices',
    summary: 'Create a price (one-time, or recurring every interval_count days, weeks, months or years)',
    parse: (p) => {
      const currency = parseCurrency(p.requiredString('currency', { maxChars: 3 }));
      const unitAmountMinor = p.integer('unit_amount', { required: true, min: 1, max: MAX_AMOUNT_MINOR })!;
      const productId = p.string('product', { maxChars: 64, pattern: ID, what: 'not a product id' });
      const productName = p.object('product_data')?.requiredString('name', { maxChars: NAME_MAX_CHARS });
      const recurring = p.object('recurring');
      let schedule: NewPrice['recurring'] = null;
      if (recurring !== undefined) {
        const interval = recurring.enumOf('interval', RECURRING_INTERVALS, { required: true })!;
        const count = recurring.integer('interval_count', { min: 1, max: 1095 }) ?? 1;
        if (count > MAX_INTERVAL_COUNT[interval]) {
          throw new AcquirerError('parameter_invalid', `A price may recur at most every three years (interval_count of at most ${MAX_INTERVAL_COUNT[interval]} for ${interval}).`, { param: 'recurring[interval_count]' });
        }
        schedule = { interval, count };
      }
      const rest = {
        nickname: emptyIsNull(p.string('nickname', { maxChars: NAME_MAX_CHARS })) ?? null,
        lookupKey: emptyIsNull(p.string('lookup_key', { maxChars: LOOKUP_KEY_MAX_CHARS })) ?? null,
        active: p.boolean('active') ?? true,
        metadata: updateMetadata({}, p.metadata()),
      };
      // Checked once every parameter is read, so the OpenAPI document (which reads them all) sees them all.
      if ((productId === undefined) === (productName === undefined)) {
        throw new AcquirerError('parameter_missing', 'Pass exactly one of product or product_data.', { param: 'product' });
      }
      return {
        currency,
        unitAmountMinor,
        productId,
        productName,
        recurring: schedule,
        ...rest,
      };
    },
    run: async (input, call) => {
      const row = await deps.db.transaction(async (tx) => {
        let productId = input.productId;
        if (productId === undefined) {
          productId = deps.ids.next('prod');
          await tx.run(`INSERT INTO acquirer_products (${PRODUCT_COLUMNS}) VALUES (?, ?, ?, NULL, 1, NULL, '{}', ?, ?)`, [productId, call.merchant.id, input.productName, call.nowMs, call.nowMs]);
          await recordEvent(tx, eventDeps(call), { merchantId: call.merchant.id, type: 'product.created', object: productObject(await requireProduct(tx, call.merchant.id, productId)), request: request(call) });
        } else {
          await requireProduct(tx, call.merchant.id, productId, 'product');
        }
        const id = deps.ids.next('price');
        await tx.run(`INSERT INTO acquirer_prices (${PRICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
          id, call.merchant.id, productId, input.currency, input.unitAmountMinor, input.recurring?.interval ?? null, input.recurring?.count ?? null,
          input.active ? 1 : 0, input.nickname, input.lookupKey, JSON.stringify(input.metadata), call.nowMs,
        ]);
        const created = await requirePrice(tx, call.merchant.id, id);
        await recordEvent(tx, eventDeps(call), { merchantId: call.merchant.id, type: 'price.created', object: priceObject(created), request: request(call) });
        await call.recovery.record(tx, id);
        return created;
      });
      return priceObject(row);
    },
    resume: async (_input, call, id) => priceObject(await requirePrice(deps.db, call.merchant.id, id)),
  };

  const retrievePrice: StripeEndpoint<{ id: string }> = {
    method: 'GET',
    url: '/prices/:id',
    summary: 'Retrieve a price',
    parse: (_p, call) => ({ id: call.path.id! }),
    run: async (input, call) => priceObject(await requirePrice(deps.db, call.merchant.id, input.id)),
  };

  const updatePrice: StripeEndpoint<{ id: string; active?: boolean; nickname?: string | null; lookupKey?: string | null; metadata: ReturnType<Params['metadata']> }> = {
    method: 'POST',
    url: '/prices/:id',
    summary: 'Update a price (what it charges never changes: make a new price for that)',
    parse: (p, call) => ({
      id: call.path.id!,
      active: p.boolean('active'),
      nickname: emptyIsNull(p.string('nickname', { maxChars: NAME_MAX_CHARS })),
      lookupKey: emptyIsNull(p.string('lookup_key', { maxChars: LOOKUP_KEY_MAX_CHARS })),
      metadata: p.metadata(),
    }),
    run: async (input, call) => {
      const row = await deps.db.transaction(async (tx) => {
        const before = await tx.get<PriceRow>(`SELECT ${PRICE_COLUMNS} FROM acquirer_prices WHERE merchant_id = ? AND id = ? ${tx.forUpdate}`, [call.merchant.id, input.id]);
        if (before === undefined) return requirePrice(tx, call.merchant.id, input.id);
        const after: PriceRow = {
          ...before,
          active: input.active === undefined ? before.active : input.active ? 1 : 0,
          nickname: input.nickname === undefined ? before.nickname : input.nickname,
          lookup_key: input.lookupKey === undefined ? before.lookup_key : input.lookupKey,
          metadata: JSON.stringify(updateMetadata(JSON.parse(before.metadata) as Metadata, input.metadata)),
        };
        const changed = previousAttributes(priceObject(before), priceObject(after));
        if (changed === undefined) return before;
        await tx.run('UPDATE acquirer_prices SET active = ?, nickname = ?, lookup_key = ?, metadata = ? WHERE id = ?', [after.active, after.nickname, after.lookup_key, after.metadata, after.id]);
        await recordEvent(tx, eventDeps(call), { merchantId: call.merchant.id, type: 'price.updated', object: priceObject(after), previousAttributes: changed, request: request(call) });
        return after;
      });
      return priceObject(row);
    },
  };

  const listPrices: StripeEndpoint<{ query: ListQuery; active: boolean | undefined; product: string | undefined; type: 'one_time' | 'recurring' | undefined }> = {
    method: 'GET',
    url: '/prices',
    summary: 'List prices',
    parse: (p) => ({
      query: parseListQuery(p),
      active: p.boolean('active'),
      product: p.string('product', { maxChars: 64, pattern: ID, what: 'not a product id' }),
      type: p.enumOf('type', ['one_time', 'recurring'] as const),
    }),
    run: async (input, call) => {
      const params: unknown[] = [call.merchant.id];
      let where = 'merchant_id = ?';
      if (input.active !== undefined) {
        where += ' AND active = ?';
        params.push(input.active ? 1 : 0);
      }
      if (input.product !== undefined) {
        where += ' AND product_id = ?';
        params.push(input.product);
      }
      if (input.type !== undefined) where += input.type === 'recurring' ? ' AND recurring_interval IS NOT NULL' : ' AND recurring_interval IS NULL';
      const page = await listPage<PriceRow>(deps.db, { table: 'acquirer_prices', columns: PRICE_COLUMNS, where, params, query: input.query });
      return stripeList('/v1/prices', page.rows.map(priceObject), page.hasMore);
    },
  };

  return [createProduct, retrieveProduct, updateProduct, listProducts, createPrice, retrievePrice, updatePrice, listPrices];
}

/** In Stripe's form encoding an empty value clears a field. */
function emptyIsNull(value: string | undefined): string | null | undefined {
  return value === '' ? null : value;
}
