import { Random } from "./random.js";
import { addDays, at, instant, laterDay } from "./simulate-clock.js";

/**
 * New orders and the transaction and payment each one brings, as the live system writes
 * them: all three rows in one instant, the payment due on the order's agreed payment date.
 * Shapes (units, prices, date offsets) follow the 2024-11-15 sample.
 */

/** Ids of existing rows new orders may point at, in id order. */
export interface References {
  staff: number[];
  counterparties: number[];
  currencies: number[];
  designs: number[];
  addresses: number[];
  salesReceiptTypeId: number;
  purchasePaymentTypeId: number;
}

/** The next id each growing table hands out. */
export interface NextIds {
  salesOrder: number;
  purchaseOrder: number;
  transaction: number;
  payment: number;
}

export interface SimulatedOrder {
  kind: "sale" | "purchase";
  orderId: number;
  transactionId: number;
  paymentId: number;
  day: string;
  instant: string;
  staffId: number;
  counterpartyId: number;
  currencyId: number;
  /** Sales only. */
  designId: number | null;
  /** Purchases only. */
  itemCode: string | null;
  quantity: number;
  unitCents: number;
  deliveryDate: string;
  paymentDate: string;
  deliveryAddressId: number;
  companyAccount: number;
  counterpartyAccount: number;
}

/** A value COPY writes: numbers and strings as text, null as an empty unquoted field. */
export type Cell = string | number | null;
export type Row = Readonly<Record<string, Cell>>;

const ITEM_CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const OPENING = at(8);
const CLOSING = at(19);
/** The daily payment run, as the sample's paid rows show it (07:55:11.xxx). */
const BATCH_TIME = at(7, 55, 11);

export function toCents(amount: string): number {
  const negative = amount.startsWith("-");
  const [whole = "", fraction = "", extra] = (negative ? amount.slice(1) : amount).split(".");
  if (extra !== undefined || !/^\d+$/.test(whole) || !/^\d{0,2}$/.test(fraction))
    throw new Error(`not a 2-dp amount: "${amount}"`);
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  return negative ? -cents : cents;
}

export function fromCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new Error(`not a whole number of cents: ${cents}`);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** The instant of a day's payment run; a function of seed and day so both modes agree. */
export const batchInstant = (seed: string, day: string): string =>
  instant(day, BATCH_TIME + new Random(seed, day, "batch").int(0, 999));

/** The day's run that first sees a payment: due, and created before that run started. */
export const paymentRunDay = (order: Pick<SimulatedOrder, "day" | "paymentDate">): string =>
  laterDay(order.paymentDate, addDays(order.day, 1));

export const orderInstant = (rng: Random, day: string): string => instant(day, rng.int(OPENING, CLOSING - 1));

interface Draft {
  msOfDay: number;
  order: SimulatedOrder;
}

function newOrder(rng: Random, kind: SimulatedOrder["kind"], day: string, refs: References): Draft {
  const sale = kind === "sale";
  const msOfDay = rng.int(OPENING, CLOSING - 1);
  const order: SimulatedOrder = {
    kind,
    orderId: 0,
    transactionId: 0,
    paymentId: 0,
    day,
    instant: instant(day, msOfDay),
    staffId: rng.pick(refs.staff),
    counterpartyId: rng.pick(refs.counterparties),
    currencyId: rng.pick(refs.currencies),
    designId: sale ? rng.pick(refs.designs) : null,
    itemCode: sale ? null : rng.chars(7, ITEM_CODE_ALPHABET),
    // Sample: 1,001-99,999 totes at 2.00-4.00; 1-999 items at up to 999.99.
    quantity: sale ? rng.int(1_000, 99_999) : rng.int(1, 999),
    unitCents: sale ? rng.int(200, 400) : rng.int(100, 99_999),
    // Sample: delivery mostly 0-7 days after the order, payment 0-6.
    deliveryDate: addDays(day, rng.int(0, 7)),
    paymentDate: addDays(day, rng.int(0, 6)),
    deliveryAddressId: rng.pick(refs.addresses),
    companyAccount: rng.int(10_000_000, 99_999_999),
    counterpartyAccount: rng.int(10_000_000, 99_999_999),
  };
  return { msOfDay, order };
}

/**
 * One day's new orders, in time order, ids handed out in that order (as serial ids would
 * be). Advances `ids`.
 */
export function dayOrders(
  rng: Random,
  day: string,
  counts: { sales: number; purchases: number },
  refs: References,
  ids: NextIds,
): SimulatedOrder[] {
  const drafts: Draft[] = [];
  for (let i = 0; i < counts.sales; i++) drafts.push(newOrder(rng, "sale", day, refs));
  for (let i = 0; i < counts.purchases; i++) drafts.push(newOrder(rng, "purchase", day, refs));
  // Stable sort: equal instants keep generation order, so the result is deterministic.
  drafts.sort((a, b) => a.msOfDay - b.msOfDay);
  return drafts.map(({ order }) => {
    order.orderId = order.kind === "sale" ? ids.salesOrder++ : ids.purchaseOrder++;
    order.transactionId = ids.transaction++;
    order.paymentId = ids.payment++;
    return order;
  });
}

export const salesOrderRow = (o: SimulatedOrder): Row => ({
  sales_order_id: o.orderId,
  created_at: o.instant,
  last_updated: o.instant,
  design_id: o.designId,
  staff_id: o.staffId,
  counterparty_id: o.counterpartyId,
  units_sold: o.quantity,
  unit_price: fromCents(o.unitCents),
  currency_id: o.currencyId,
  agreed_delivery_date: o.deliveryDate,
  agreed_payment_date: o.paymentDate,
  agreed_delivery_location_id: o.deliveryAddressId,
});

export const purchaseOrderRow = (o: SimulatedOrder): Row => ({
  purchase_order_id: o.orderId,
  created_at: o.instant,
  last_updated: o.instant,
  staff_id: o.staffId,
  counterparty_id: o.counterpartyId,
  item_code: o.itemCode,
  item_quantity: o.quantity,
  item_unit_price: fromCents(o.unitCents),
  currency_id: o.currencyId,
  agreed_delivery_date: o.deliveryDate,
  agreed_payment_date: o.paymentDate,
  agreed_delivery_location_id: o.deliveryAddressId,
});

export const transactionRow = (o: SimulatedOrder): Row => ({
  transaction_id: o.transactionId,
  transaction_type: o.kind === "sale" ? "SALE" : "PURCHASE",
  sales_order_id: o.kind === "sale" ? o.orderId : null,
  purchase_order_id: o.kind === "purchase" ? o.orderId : null,
  created_at: o.instant,
  last_updated: o.instant,
});

/** `paidAt`: the instant of the run that paid it, if it has been paid already. */
export const paymentRow = (o: SimulatedOrder, refs: References, paidAt: string | null): Row => ({
  payment_id: o.paymentId,
  created_at: o.instant,
  last_updated: paidAt ?? o.instant,
  transaction_id: o.transactionId,
  counterparty_id: o.counterpartyId,
  // Integer cents times an integer count: exact, and far inside 2^53.
  payment_amount: fromCents(o.quantity * o.unitCents),
  currency_id: o.currencyId,
  payment_type_id: o.kind === "sale" ? refs.salesReceiptTypeId : refs.purchasePaymentTypeId,
  paid: paidAt === null ? "false" : "true",
  payment_date: o.paymentDate,
  company_ac_number: o.companyAccount,
  counterparty_ac_number: o.counterpartyAccount,
});
