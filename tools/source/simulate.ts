import { SOURCE_TABLES, type SourceTableName } from "../../lib/catalog/index.js";
import type { Pool, PoolClient } from "../../lib/db/pool.js";
import { withTransaction } from "../../lib/db/pool.js";
import { sourceExists } from "./init.js";
import { Random } from "./random.js";
import { addDays, dayNumber } from "./simulate-clock.js";
import { copyRows, type CopyProgress } from "./simulate-copy.js";
import {
  batchInstant,
  dayOrders,
  paymentRow,
  paymentRunDay,
  purchaseOrderRow,
  salesOrderRow,
  transactionRow,
  type NextIds,
  type References,
  type Row,
  type SimulatedOrder,
} from "./simulate-orders.js";
import {
  checkForeignKeys,
  columnRef,
  nextId,
  resetSequence,
  selectIds,
  selectRows,
  suspendForeignKeyTriggers,
  tableRef,
} from "./simulate-sql.js";
import { newDesigns, randomUpdate, type UpdateCounts } from "./simulate-updates.js";

export type { CopyProgress } from "./simulate-copy.js";

export interface SimulateOptions {
  /** Days mode: how many days of ordinary activity (default 1). */
  days?: number;
  /** Same database, same seed, same days: the same rows (default 1). */
  seed?: number | string;
  /** Scale mode: append scale × 1,000,000 sales orders instead of simulating days. */
  scale?: number;
  /** Scale mode: called as each table's COPY advances. */
  onProgress?: (progress: CopyProgress) => void;
  /** The present, after which nothing is stamped (default: the clock; tests pin it). */
  now?: Date;
}

export interface SimulationSummary {
  mode: "days" | "scale";
  seed: string;
  days: number;
  firstDay: string;
  lastDay: string;
  /** Earliest and latest last_updated written; null when nothing was written. */
  from: string | null;
  to: string | null;
  salesOrders: number;
  purchaseOrders: number;
  transactions: number;
  payments: number;
  /** Payments the daily runs flipped to paid (old ones and new ones). */
  paymentsPaid: number;
  /** In-place changes besides paying, by table. */
  updates: UpdateCounts;
  designs: number;
  /** Days mode: the daily rates used, read from the source's own history. */
  rates?: DailyRates;
  /** Days mode: days asked for but not simulated, because they would reach the present. */
  skippedDays?: number;
}

/**
 * What an ordinary day holds, read from the source's own history (the 2024-11-15 sample:
 * 11,187 sales and 4,649 purchase orders and 9,648 payments paid over 744 days): orders
 * made, and payments the daily runs pay. Each day varies around them by about a fifth.
 */
export interface DailyRates {
  readonly salesOrders: number;
  readonly purchaseOrders: number;
  readonly paymentsPaid: number;
}

/** Nothing can be simulated without stamping a row after the present. */
export class NothingToSimulateError extends Error {
  constructor(latestDay: string) {
    super(
      `nothing to simulate: the source's newest change is on ${latestDay}, and simulated days end yesterday (UTC) so that no row is stamped after the present`,
    );
    this.name = "NothingToSimulateError";
  }
}

/** The sample's orders mix (11,187 sales : 4,649 purchases). */
const PURCHASES_PER_SALE = { numerator: 4649, denominator: 11187 };
/** Scale mode spreads its orders over at most about three years of days. */
const SCALE_MAX_DAYS = 1095;
const SALES_PER_DAY = 15;
/** A source too young to have a history (under a week) gets the sample's rates. */
const SAMPLE_RATES: DailyRates = { salesOrders: 15.04, purchaseOrders: 6.25, paymentsPaid: 12.97 };
/** Tables whose ids the simulator assigns and whose serials it must move on. */
const GROWING_TABLES = ["design", "sales_order", "purchase_order", "transaction", "payment"] as const;
const UPDATE_CHANCE_PER_DAY = 0.4;

interface SourceState {
  startDay: string;
  rates: DailyRates;
  refs: References;
  ids: NextIds;
  nextDesignId: number;
}

/** The day after the latest timestamp anywhere, so every new last_updated is later than all. */
async function startDay(client: PoolClient): Promise<string> {
  const maxima = SOURCE_TABLES.map(
    ({ name: t }) =>
      `SELECT max(greatest(${columnRef(t, "created_at")}, ${columnRef(t, "last_updated")})) AS m FROM ${tableRef(t)}`,
  );
  const { rows } = await client.query<{ day: string | null }>(
    `SELECT (max(m)::date + 1)::text AS day FROM (${maxima.join(" UNION ALL ")}) latest`,
  );
  const day = rows[0]?.day;
  if (!day) throw new Error("the totesys source is empty; load a sample with `totes source init --reset`");
  return day;
}

async function paymentTypeId(client: PoolClient, name: string): Promise<number> {
  const rows = await selectRows<{ payment_type_id: number; payment_type_name: string }>(
    client,
    "payment_type",
    ["payment_type_id", "payment_type_name"],
  );
  const found = rows.find((r) => r.payment_type_name === name);
  if (!found) throw new Error(`the totesys source has no payment type ${name}`);
  return found.payment_type_id;
}

async function references(client: PoolClient): Promise<References> {
  const refs: References = {
    staff: await selectIds(client, "staff"),
    counterparties: await selectIds(client, "counterparty"),
    currencies: await selectIds(client, "currency"),
    designs: await selectIds(client, "design"),
    addresses: await selectIds(client, "address"),
    salesReceiptTypeId: await paymentTypeId(client, "SALES_RECEIPT"),
    purchasePaymentTypeId: await paymentTypeId(client, "PURCHASE_PAYMENT"),
  };
  for (const [name, ids] of Object.entries(refs))
    if (Array.isArray(ids) && ids.length === 0)
      throw new Error(`the totesys source has no ${name} for new orders to refer to; load a sample first`);
  return refs;
}

/**
 * Orders made and payments paid per day over the source's history, from its first order to
 * its newest change. A paid payment's last_updated is when it was paid.
 */
async function dailyRates(client: PoolClient): Promise<DailyRates> {
  const pay = (column: string) => columnRef("payment", column);
  const { rows } = await client.query<{ days: number | null; s: number; p: number; paid: number }>(
    `SELECT ((SELECT max(${pay("last_updated")}) FROM ${tableRef("payment")})::date
              - (SELECT min(${columnRef("sales_order", "created_at")}) FROM ${tableRef("sales_order")})::date
              + 1)::int AS days,
            (SELECT count(*) FROM ${tableRef("sales_order")})::int AS s,
            (SELECT count(*) FROM ${tableRef("purchase_order")})::int AS p,
            (SELECT count(*) FROM ${tableRef("payment")} WHERE ${pay("paid")})::int AS paid`,
  );
  const { days, s, p, paid } = rows[0]!;
  if (!days || days < 7) return SAMPLE_RATES;
  return { salesOrders: s / days, purchaseOrders: p / days, paymentsPaid: paid / days };
}

/** A day's count around a daily rate: the rate ± a fifth (at least ± 2), never below 0. */
export function aroundRate(rng: Random, rate: number): number {
  const middle = Math.round(rate);
  const spread = Math.max(2, Math.round(rate * 0.2));
  return rng.int(Math.max(0, middle - spread), middle + spread);
}

async function sourceState(client: PoolClient): Promise<SourceState> {
  return {
    startDay: await startDay(client),
    rates: await dailyRates(client),
    refs: await references(client),
    ids: {
      salesOrder: await nextId(client, "sales_order"),
      purchaseOrder: await nextId(client, "purchase_order"),
      transaction: await nextId(client, "transaction"),
      payment: await nextId(client, "payment"),
    },
    nextDesignId: await nextId(client, "design"),
  };
}

/** Tracks the earliest and latest instants written, for the summary. */
class Span {
  from: string | null = null;
  to: string | null = null;
  note(instant: string): void {
    if (this.from === null || instant < this.from) this.from = instant;
    if (this.to === null || instant > this.to) this.to = instant;
  }
}

const emptySummary = (mode: SimulationSummary["mode"], seed: string, days: string[]): SimulationSummary => ({
  mode,
  seed,
  days: days.length,
  firstDay: days[0]!,
  lastDay: days[days.length - 1]!,
  from: null,
  to: null,
  salesOrders: 0,
  purchaseOrders: 0,
  transactions: 0,
  payments: 0,
  paymentsPaid: 0,
  updates: {},
  designs: 0,
});

function addUpdates(total: UpdateCounts, more: UpdateCounts): void {
  for (const [table, n] of Object.entries(more) as [SourceTableName, number][])
    total[table] = (total[table] ?? 0) + n;
}

function* rowsOf(
  orders: Iterable<SimulatedOrder>,
  kind: SimulatedOrder["kind"] | null,
  toRow: (o: SimulatedOrder) => Row,
): Generator<Row> {
  for (const order of orders) if (kind === null || order.kind === kind) yield toRow(order);
}

/**
 * The daily payment run: open payments due by `day`, oldest due date first, up to the day's
 * share (`limit`), paid at the run's instant. A backlog (the sample leaves 6,127 payments
 * due and unpaid) is worked off at the source's own pace, not in one day.
 */
async function payDuePayments(client: PoolClient, day: string, at: string, limit: number): Promise<number> {
  const c = (name: string) => columnRef("payment", name);
  const result = await client.query(
    `UPDATE ${tableRef("payment")} SET ${c("paid")} = true, ${c("last_updated")} = $1
      WHERE ${c("payment_id")} IN (
        SELECT ${c("payment_id")} FROM ${tableRef("payment")}
         WHERE NOT ${c("paid")} AND ${c("payment_date")} <= $2
         ORDER BY ${c("payment_date")}, ${c("payment_id")} LIMIT $3)`,
    [at, day, limit],
  );
  return result.rowCount ?? 0;
}

async function writeOrders(client: PoolClient, orders: SimulatedOrder[], refs: References): Promise<void> {
  await copyRows(client, "sales_order", rowsOf(orders, "sale", salesOrderRow));
  await copyRows(client, "purchase_order", rowsOf(orders, "purchase", purchaseOrderRow));
  await copyRows(client, "transaction", rowsOf(orders, null, transactionRow));
  await copyRows(
    client,
    "payment",
    rowsOf(orders, null, (o) => paymentRow(o, refs, null)),
  );
}

/** One day: the morning payment run, the day's orders, new designs, maybe one change. */
async function simulateDay(
  client: PoolClient,
  state: SourceState,
  seed: string,
  day: string,
  summary: SimulationSummary,
  span: Span,
): Promise<void> {
  const rng = new Random(seed, day, "day");
  const runAt = batchInstant(seed, day);
  // The day's counts at the source's own daily rates (sample: ~15 sales, ~6 purchases, ~13 paid).
  const counts = {
    sales: aroundRate(rng, state.rates.salesOrders),
    purchases: aroundRate(rng, state.rates.purchaseOrders),
  };
  const paid = await payDuePayments(client, day, runAt, aroundRate(rng, state.rates.paymentsPaid));
  if (paid) span.note(runAt);
  summary.paymentsPaid += paid;

  const orders = dayOrders(rng, day, counts, state.refs, state.ids);
  await writeOrders(client, orders, state.refs);
  orders.forEach((o) => span.note(o.instant));
  summary.salesOrders += counts.sales;
  summary.purchaseOrders += counts.purchases;
  summary.transactions += orders.length;
  summary.payments += orders.length;

  const designs = newDesigns(rng, day, state.nextDesignId);
  if (designs.length) await copyRows(client, "design", designs);
  for (const design of designs) {
    state.refs.designs.push(Number(design.design_id));
    span.note(String(design.last_updated));
  }
  state.nextDesignId += designs.length;
  summary.designs += designs.length;

  if (rng.chance(UPDATE_CHANCE_PER_DAY)) {
    const { counts: changed, instant } = await randomUpdate(client, rng, day);
    if (Object.keys(changed).length) span.note(instant);
    addUpdates(summary.updates, changed);
  }
}

/** Yesterday (UTC): the last day every instant of which is in the past. */
const yesterday = (now: Date) => addDays(now.toISOString().slice(0, 10), -1);

/**
 * `dayCount` days after the source's newest change, ending yesterday at the latest: a
 * source whose newest stamp is recent gets fewer days (and the summary says how many were
 * skipped), one stamped today or later none.
 */
async function simulateDays(
  client: PoolClient,
  seed: string,
  dayCount: number,
  now: Date,
): Promise<SimulationSummary> {
  const state = await sourceState(client);
  const room = dayNumber(yesterday(now)) - dayNumber(state.startDay) + 1;
  if (room < 1) throw new NothingToSimulateError(addDays(state.startDay, -1));
  const days = Array.from({ length: Math.min(dayCount, room) }, (_, i) => addDays(state.startDay, i));
  const summary = emptySummary("days", seed, days);
  const span = new Span();
  for (const day of days) await simulateDay(client, state, seed, day, summary, span);
  return {
    ...summary,
    from: span.from,
    to: span.to,
    rates: state.rates,
    ...(days.length < dayCount ? { skippedDays: dayCount - days.length } : {}),
  };
}

interface DayPlan {
  day: string;
  sales: number;
  purchases: number;
}

/**
 * Splits the totals over consecutive days with a ±20% day-to-day wobble, hitting them exactly,
 * from `startDay` to at most `lastDay`: a bulk load stamps nothing after the present (a row
 * stamped in the future is a source bug, not data to simulate).
 */
function scalePlan(seed: string, startDay: string, sales: number, lastDay: string): DayPlan[] {
  const purchases = Math.round((sales * PURCHASES_PER_SALE.numerator) / PURCHASES_PER_SALE.denominator);
  const available = dayNumber(lastDay) - dayNumber(startDay) + 1;
  if (available < 1)
    throw new Error(
      `--scale stamps nothing after the present, but the source's newest change is already on ${addDays(startDay, -1)}`,
    );
  const perDay = Math.max(SALES_PER_DAY, Math.ceil(sales / Math.min(SCALE_MAX_DAYS, available)));
  const days = Array.from({ length: Math.ceil(sales / perDay) }, (_, i) => addDays(startDay, i));
  const weights = days.map((day) => new Random(seed, day, "volume").int(80, 120));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  if (!Number.isSafeInteger(sales * totalWeight)) throw new Error(`scale too large: ${sales} sales orders`);
  let weightSoFar = 0;
  let salesSoFar = 0;
  let purchasesSoFar = 0;
  return days.map((day, i) => {
    weightSoFar += weights[i]!;
    const salesThrough = Math.floor((sales * weightSoFar) / totalWeight);
    const purchasesThrough = Math.floor((purchases * weightSoFar) / totalWeight);
    const plan = { day, sales: salesThrough - salesSoFar, purchases: purchasesThrough - purchasesSoFar };
    salesSoFar = salesThrough;
    purchasesSoFar = purchasesThrough;
    return plan;
  });
}

function* planOrders(
  seed: string,
  plan: DayPlan[],
  refs: References,
  firstIds: NextIds,
): Generator<SimulatedOrder> {
  const ids = { ...firstIds };
  for (const { day, sales, purchases } of plan)
    yield* dayOrders(new Random(seed, day, "day"), day, { sales, purchases }, refs, ids);
}

/** Old open payments, paid by the first run within the plan that finds them due. */
async function payOldPayments(
  client: PoolClient,
  plan: DayPlan[],
  runs: Map<string, string>,
  firstNewId: number,
  span: Span,
): Promise<number> {
  const c = (name: string) => columnRef("payment", name);
  const { rows } = await client.query<{ n: number; first: string | null; last: string | null }>(
    `WITH paid AS (
       UPDATE ${tableRef("payment")} SET ${c("paid")} = true, ${c("last_updated")} = run.at::timestamp(3)
         FROM unnest($1::text[], $2::text[]) AS run(day, at)
        WHERE NOT ${c("paid")} AND ${c("payment_id")} < $3 AND run.day = greatest(${c("payment_date")}, $4)
       RETURNING run.at)
     SELECT count(*)::int AS n, min(at) AS first, max(at) AS last FROM paid`,
    [plan.map((p) => p.day), plan.map((p) => runs.get(p.day)), firstNewId, plan[0]!.day],
  );
  const { n, first, last } = rows[0]!;
  if (first) span.note(first);
  if (last) span.note(last);
  return n;
}

async function simulateScale(
  client: PoolClient,
  seed: string,
  scale: number,
  now: Date,
  onProgress?: (progress: CopyProgress) => void,
): Promise<SimulationSummary> {
  const sales = Math.round(scale * 1_000_000);
  if (sales < 1) throw new Error(`--scale ${scale} adds no sales orders; use at least 0.000001`);
  const state = await sourceState(client);
  // Up to yesterday (UTC): every instant of a planned day is then in the past.
  const plan = scalePlan(seed, state.startDay, sales, yesterday(now));
  const summary = emptySummary(
    "scale",
    seed,
    plan.map((p) => p.day),
  );
  const runs = new Map(plan.map((p) => [p.day, batchInstant(seed, p.day)]));
  // One generator pass per table: regenerating is cheaper than holding the orders in memory.
  const orders = () => planOrders(seed, plan, state.refs, state.ids);
  const span = new Span();
  let newPaid = 0;
  const paidAt = (o: SimulatedOrder): string | null => {
    const run = runs.get(paymentRunDay(o)) ?? null;
    span.note(o.instant);
    if (run) {
      newPaid++;
      span.note(run);
    }
    return run;
  };
  const suspended = await suspendForeignKeyTriggers(client);
  summary.salesOrders = await copyRows(
    client,
    "sales_order",
    rowsOf(orders(), "sale", salesOrderRow),
    onProgress,
  );
  summary.purchaseOrders = await copyRows(
    client,
    "purchase_order",
    rowsOf(orders(), "purchase", purchaseOrderRow),
    onProgress,
  );
  summary.transactions = await copyRows(
    client,
    "transaction",
    rowsOf(orders(), null, transactionRow),
    onProgress,
  );
  summary.payments = await copyRows(
    client,
    "payment",
    rowsOf(orders(), null, (o) => paymentRow(o, state.refs, paidAt(o))),
    onProgress,
  );
  if (suspended)
    await checkForeignKeys(client, {
      sales_order: state.ids.salesOrder,
      purchase_order: state.ids.purchaseOrder,
      transaction: state.ids.transaction,
      payment: state.ids.payment,
    });
  summary.paymentsPaid = newPaid + (await payOldPayments(client, plan, runs, state.ids.payment, span));
  return { ...summary, from: span.from, to: span.to };
}

function validated(options: SimulateOptions): { seed: string; days: number; scale: number | null } {
  const seed = String(options.seed ?? 1);
  if (options.scale !== undefined && options.days !== undefined)
    throw new Error("simulate either --days or --scale, not both");
  const days = options.days ?? 1;
  if (!Number.isInteger(days) || days < 1 || days > 36_500)
    throw new Error(`--days must be a whole number from 1 to 36500, not ${days}`);
  const scale = options.scale ?? null;
  if (scale !== null && !(Number.isFinite(scale) && scale > 0))
    throw new Error(`--scale must be a positive number, not ${scale}`);
  return { seed, days, scale };
}

/**
 * Simulates activity on the totesys source, after everything already in it, in one
 * transaction. Deterministic: the same database, seed and options write the same rows.
 */
export async function simulate(pool: Pool, options: SimulateOptions = {}): Promise<SimulationSummary> {
  const { seed, days, scale } = validated(options);
  if (!(await sourceExists(pool)))
    throw new Error("the totesys source is not initialised; run `totes source init` first");
  return withTransaction(pool, async (client) => {
    // Ids are max + 1 inside this transaction: a second simulator must wait its turn.
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["totes source simulate"]);
    const now = options.now ?? new Date();
    const summary =
      scale === null
        ? await simulateDays(client, seed, days, now)
        : await simulateScale(client, seed, scale, now, options.onProgress);
    for (const table of GROWING_TABLES) await resetSequence(client, table);
    return summary;
  });
}
