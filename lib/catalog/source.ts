import type { Column, ColumnType, OnDelete, SourceTable } from "./types.js";

const int: ColumnType = { kind: "int" };
const text: ColumnType = { kind: "text" };
const money: ColumnType = { kind: "decimal", precision: 10, scale: 2 };
const timestamp: ColumnType = { kind: "timestamp" };
const textDate: ColumnType = { kind: "textDate" };

export const PAYMENT_TYPE_NAMES = [
  "SALES_RECEIPT",
  "SALES_REFUND",
  "PURCHASE_PAYMENT",
  "PURCHASE_REFUND",
] as const;
export const TRANSACTION_TYPES = ["SALE", "PURCHASE"] as const;

const pk = (name: string): Column => ({ name, type: int });
/** An integer foreign key; `ON UPDATE CASCADE ON DELETE RESTRICT` unless said otherwise. */
const fk = (
  name: string,
  table: string,
  options: { column?: string; nullable?: boolean; unique?: boolean; onDelete?: OnDelete } = {},
): Column => ({
  name,
  type: int,
  ...(options.nullable ? { nullable: true } : {}),
  ...(options.unique ? { unique: true } : {}),
  references: { table, column: options.column ?? `${table}_id`, onDelete: options.onDelete ?? "RESTRICT" },
});
const createdAt: Column = { name: "created_at", type: timestamp };
const lastUpdated: Column = { name: "last_updated", type: timestamp };

/** The totesys OLTP schema, columns in the live database's order (as its extracts show). */
export const SOURCE_TABLES = [
  {
    name: "address",
    primaryKey: "address_id",
    columns: [
      pk("address_id"),
      { name: "address_line_1", type: text },
      { name: "address_line_2", type: text, nullable: true },
      { name: "district", type: text, nullable: true },
      { name: "city", type: text },
      { name: "postal_code", type: text },
      { name: "country", type: text },
      { name: "phone", type: text },
      createdAt,
      lastUpdated,
    ],
  },
  {
    name: "counterparty",
    primaryKey: "counterparty_id",
    columns: [
      pk("counterparty_id"),
      { name: "counterparty_legal_name", type: text },
      fk("legal_address_id", "address", { column: "address_id" }),
      { name: "commercial_contact", type: text, nullable: true },
      { name: "delivery_contact", type: text, nullable: true },
      createdAt,
      lastUpdated,
    ],
  },
  {
    name: "currency",
    primaryKey: "currency_id",
    columns: [
      pk("currency_id"),
      { name: "currency_code", type: { kind: "text", maxLength: 3 }, check: "iso4217" },
      createdAt,
      lastUpdated,
    ],
  },
  {
    name: "department",
    primaryKey: "department_id",
    columns: [
      pk("department_id"),
      { name: "department_name", type: text },
      { name: "location", type: text, nullable: true },
      { name: "manager", type: text, nullable: true },
      createdAt,
      lastUpdated,
    ],
  },
  {
    name: "design",
    primaryKey: "design_id",
    columns: [
      pk("design_id"),
      createdAt,
      { name: "design_name", type: text },
      { name: "file_location", type: text },
      { name: "file_name", type: text },
      lastUpdated,
    ],
  },
  {
    name: "payment_type",
    primaryKey: "payment_type_id",
    columns: [
      pk("payment_type_id"),
      {
        name: "payment_type_name",
        type: { kind: "enum", name: "PaymentTypeName", values: PAYMENT_TYPE_NAMES },
      },
      createdAt,
      lastUpdated,
    ],
  },
  {
    name: "staff",
    primaryKey: "staff_id",
    columns: [
      pk("staff_id"),
      { name: "first_name", type: text },
      { name: "last_name", type: text },
      fk("department_id", "department"),
      { name: "email_address", type: text },
      createdAt,
      lastUpdated,
    ],
  },
  {
    name: "sales_order",
    primaryKey: "sales_order_id",
    columns: [
      pk("sales_order_id"),
      createdAt,
      lastUpdated,
      fk("design_id", "design"),
      fk("staff_id", "staff"),
      fk("counterparty_id", "counterparty"),
      { name: "units_sold", type: int },
      { name: "unit_price", type: money },
      fk("currency_id", "currency"),
      { name: "agreed_delivery_date", type: textDate },
      { name: "agreed_payment_date", type: textDate },
      fk("agreed_delivery_location_id", "address", { column: "address_id" }),
    ],
  },
  {
    name: "purchase_order",
    primaryKey: "purchase_order_id",
    columns: [
      pk("purchase_order_id"),
      createdAt,
      lastUpdated,
      fk("staff_id", "staff"),
      fk("counterparty_id", "counterparty"),
      { name: "item_code", type: text },
      { name: "item_quantity", type: int },
      { name: "item_unit_price", type: money },
      fk("currency_id", "currency"),
      { name: "agreed_delivery_date", type: textDate },
      { name: "agreed_payment_date", type: textDate },
      fk("agreed_delivery_location_id", "address", { column: "address_id" }),
    ],
  },
  {
    name: "transaction",
    primaryKey: "transaction_id",
    columns: [
      pk("transaction_id"),
      {
        name: "transaction_type",
        type: { kind: "enum", name: "TransactionType", values: TRANSACTION_TYPES },
      },
      fk("sales_order_id", "sales_order", { nullable: true, unique: true, onDelete: "SET NULL" }),
      fk("purchase_order_id", "purchase_order", { nullable: true, unique: true, onDelete: "SET NULL" }),
      createdAt,
      lastUpdated,
    ],
  },
  {
    name: "payment",
    primaryKey: "payment_id",
    columns: [
      pk("payment_id"),
      createdAt,
      lastUpdated,
      fk("transaction_id", "transaction", { unique: true }),
      fk("counterparty_id", "counterparty"),
      { name: "payment_amount", type: money },
      fk("currency_id", "currency"),
      fk("payment_type_id", "payment_type"),
      { name: "paid", type: { kind: "boolean" } },
      { name: "payment_date", type: textDate },
      { name: "company_ac_number", type: int },
      { name: "counterparty_ac_number", type: int },
    ],
  },
] as const satisfies readonly SourceTable[];

export type SourceTableName = (typeof SOURCE_TABLES)[number]["name"];
