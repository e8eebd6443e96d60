import type { SourceTableName } from "../../lib/catalog/index.js";
import type { PoolClient } from "../../lib/db/pool.js";
import type { Random } from "./random.js";
import { addDays, laterDay } from "./simulate-clock.js";
import { fromCents, orderInstant, toCents, type Row } from "./simulate-orders.js";
import { columnRef, selectIds, selectRows, tableRef, updateRow } from "./simulate-sql.js";

/**
 * The occasional in-place changes of the live system besides paying payments: people
 * move, departments relocate, addresses and names change, orders get amended. Each
 * writes the simulated instant to last_updated, as the live triggers would.
 */

const LOCATIONS = ["Manchester", "Leeds", "Liverpool", "Sheffield", "Birmingham", "London"];
const SURNAMES = [
  "Fahey", "Leannon", "Predovic", "Armstrong", "Kohler", "Frami", "Yundt", "Mraz", "Padberg", "Lakin",
  "Bosco", "Corkery", "Nienow", "Keeling", "Krajcik", "Hintz", "Rohan", "Hartmann", "Kihn", "Ondricka",
  "Conroy", "Turcotte", "Watsica", "Schuster", "Gleason", "Wehner", "Bogisich", "Heller", "Rempel", "Zboncak",
]; // prettier-ignore
const STREETS = [
  "Herzog", "Alexie", "Sincere", "Rogahn", "Upton", "Kailey", "Ernestine", "Durgan", "Edward", "Kaylah",
  "Bernier", "Ernesto", "Bryce", "Haskell", "Orin", "Koch", "Sibyl", "Cole", "Klein", "Georgette",
]; // prettier-ignore
const STREET_KINDS = [
  "Via", "Cliffs", "Fort", "Skyway", "Track", "Island", "Ways", "Common", "Garden", "Flat",
  "Mission", "Expressway", "Dale", "Extension", "Drives", "Corner", "Landing", "Ridge", "Spring", "Lock",
]; // prettier-ignore
const DESIGN_NAMES = [
  "Steel", "Soft", "Granite", "Concrete", "Frozen", "Bronze", "Plastic", "Cotton", "Metal", "Fresh", "Wooden", "Rubber",
]; // prettier-ignore
const FILE_LOCATIONS = [
  "/net", "/usr/libexec", "/usr", "/etc", "/usr/ports", "/usr/share", "/etc/periodic", "/usr/local/src",
  "/opt/lib", "/selinux", "/home/user/dir", "/lost+found", "/private", "/System", "/Users", "/var/log",
]; // prettier-ignore
const DIGITS = "0123456789";
const FILE_SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export type UpdateCounts = Partial<Record<SourceTableName, number>>;

interface UpdateContext {
  client: PoolClient;
  rng: Random;
  day: string;
  instant: string;
}

/** Picks one of `items` other than `current`; null when there is no other. */
function pickOther<T>(rng: Random, items: readonly T[], current: T): T | null {
  const others = items.filter((item) => item !== current);
  return others.length ? rng.pick(others) : null;
}

async function moveStaff({ client, rng, instant }: UpdateContext): Promise<UpdateCounts> {
  const staff = await selectRows<{ staff_id: number; department_id: number }>(client, "staff", [
    "staff_id",
    "department_id",
  ]);
  if (!staff.length) return {};
  const member = rng.pick(staff);
  const department = pickOther(rng, await selectIds(client, "department"), member.department_id);
  if (department === null) return {};
  await updateRow(client, "staff", member.staff_id, { department_id: department }, instant);
  return { staff: 1 };
}

async function relocateDepartment({ client, rng, instant }: UpdateContext): Promise<UpdateCounts> {
  const departments = await selectRows<{ department_id: number; location: string | null }>(
    client,
    "department",
    ["department_id", "location"],
  );
  if (!departments.length) return {};
  const department = rng.pick(departments);
  const location = pickOther(rng, LOCATIONS, department.location ?? "");
  await updateRow(client, "department", department.department_id, { location }, instant);
  return { department: 1 };
}

const streetAddress = (rng: Random): string =>
  `${rng.int(1, 99_999)} ${rng.pick(STREETS)} ${rng.pick(STREET_KINDS)}`;

async function changeAddress({ client, rng, instant }: UpdateContext): Promise<UpdateCounts> {
  const addresses = await selectIds(client, "address");
  if (!addresses.length) return {};
  const id = rng.pick(addresses);
  const change: Row = rng.chance(0.5)
    ? { phone: `${rng.chars(4, DIGITS)} ${rng.chars(6, DIGITS)}` }
    : { address_line_1: streetAddress(rng) };
  await updateRow(client, "address", id, change, instant);
  return { address: 1 };
}

function companyName(rng: Random): string {
  const [a, b, c] = [rng.pick(SURNAMES), rng.pick(SURNAMES), rng.pick(SURNAMES)];
  const shapes = [
    `${a} and Sons`,
    `${a} - ${b}`,
    `${a}, ${b} and ${c}`,
    `${a} Inc`,
    `${a} LLC`,
    `${a} Group`,
  ];
  return rng.pick(shapes);
}

async function renameCounterparty({ client, rng, instant }: UpdateContext): Promise<UpdateCounts> {
  const counterparties = await selectIds(client, "counterparty");
  if (!counterparties.length) return {};
  const id = rng.pick(counterparties);
  await updateRow(client, "counterparty", id, { counterparty_legal_name: companyName(rng) }, instant);
  return { counterparty: 1 };
}

interface OpenSalesOrder {
  sales_order_id: number;
  units_sold: number;
  unit_price: string;
  agreed_delivery_date: string;
  agreed_payment_date: string;
  payment_id: number;
}

/** Sales orders created before `instant` whose payment is still open, in id order. */
async function openSalesOrders(client: PoolClient, instant: string): Promise<OpenSalesOrder[]> {
  const so = (c: string) => columnRef("sales_order", c, "so");
  const t = (c: string) => columnRef("transaction", c, "t");
  const p = (c: string) => columnRef("payment", c, "p");
  const { rows } = await client.query<OpenSalesOrder>(
    `SELECT ${so("sales_order_id")}, ${so("units_sold")}, ${so("unit_price")}, ${so("agreed_delivery_date")},
            ${so("agreed_payment_date")}, ${p("payment_id")}
       FROM ${tableRef("sales_order")} so
       JOIN ${tableRef("transaction")} t ON ${t("sales_order_id")} = ${so("sales_order_id")}
       JOIN ${tableRef("payment")} p ON ${p("transaction_id")} = ${t("transaction_id")}
      WHERE NOT ${p("paid")} AND ${so("last_updated")} < $1 AND ${p("last_updated")} < $1
      ORDER BY ${so("sales_order_id")}`,
    [instant],
  );
  return rows;
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/** A customer changes an open order; its payment follows so amount = units × price still holds. */
async function amendSalesOrder({ client, rng, day, instant }: UpdateContext): Promise<UpdateCounts> {
  const open = await openSalesOrders(client, instant);
  if (!open.length) return {};
  const order = rng.pick(open);
  const units = clamp(order.units_sold + rng.int(-5_000, 5_000), 1_000, 99_999);
  const cents = clamp(toCents(order.unit_price) + rng.int(-25, 25), 200, 400);
  const paymentDate = addDays(laterDay(order.agreed_payment_date, day), rng.int(0, 2));
  const changes: Row = {
    units_sold: units,
    unit_price: fromCents(cents),
    agreed_delivery_date: addDays(laterDay(order.agreed_delivery_date, day), rng.int(1, 3)),
    agreed_payment_date: paymentDate,
  };
  await updateRow(client, "sales_order", order.sales_order_id, changes, instant);
  const payment = { payment_amount: fromCents(units * cents), payment_date: paymentDate };
  await updateRow(client, "payment", order.payment_id, payment, instant);
  return { sales_order: 1, payment: 1 };
}

const UPDATES = [moveStaff, relocateDepartment, changeAddress, renameCounterparty, amendSalesOrder];

/** One change to reference data or an open order, at a random instant of the working day. */
export async function randomUpdate(
  client: PoolClient,
  rng: Random,
  day: string,
): Promise<{ counts: UpdateCounts; instant: string }> {
  const update = rng.pick(UPDATES);
  const instant = orderInstant(rng, day);
  return { counts: await update({ client, rng, day, instant }), instant };
}

/** New designs: 0, 1 or 2 a day, named like the sample's (`steel-20240119-s61h.json`). */
export function newDesigns(rng: Random, day: string, firstId: number): Row[] {
  const count = rng.pick([0, 1, 1, 2]);
  return Array.from({ length: count }, (_, i) => {
    const name = rng.pick(DESIGN_NAMES);
    const drawn = addDays(day, -rng.int(0, 400)).replaceAll("-", "");
    const at = orderInstant(rng, day);
    return {
      design_id: firstId + i,
      created_at: at,
      design_name: name,
      file_location: rng.pick(FILE_LOCATIONS),
      file_name: `${name.toLowerCase()}-${drawn}-${rng.chars(4, FILE_SUFFIX_ALPHABET)}.json`,
      last_updated: at,
    };
  });
}
