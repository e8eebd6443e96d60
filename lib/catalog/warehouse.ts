import type { Column, ColumnType, TargetTable } from "./types.js";

const int: ColumnType = { kind: "int" };
const text: ColumnType = { kind: "text" };
const money: ColumnType = { kind: "decimal", precision: 10, scale: 2 };
const date: ColumnType = { kind: "date" };
const time: ColumnType = { kind: "time" };

const ref = (name: string, table: string, column: string, type: ColumnType = int): Column => ({
  name,
  type,
  references: { table, column },
});
/** A date column: a reference to the calendar's day. */
const onDate = (name: string): Column => ref(name, "dim_date", "date_id", date);
const id = (name: string): Column => ({ name, type: int });
const col = (name: string, type: ColumnType = text, nullable = false): Column =>
  nullable ? { name, type, nullable } : { name, type };

/** Splits of a source timestamp, shared by every fact (the SPEC names payment's time column differently). */
const versionColumns = (lastUpdatedTime: string): Column[] => [
  onDate("created_date"),
  col("created_time", time),
  onDate("last_updated_date"),
  col(lastUpdatedTime, time),
];

/** The warehouse: three star schemas sharing their dims. Columns in warehouse order. */
export const TARGET_TABLES = [
  {
    name: "dim_date",
    kind: "calendar",
    grain: "one row per calendar day, contiguous over every date a fact references",
    naturalKey: "date_id",
    columns: [
      col("date_id", date),
      col("year", int),
      col("month", int),
      col("day", int),
      col("day_of_week", int),
      col("day_name"),
      col("month_name"),
      col("quarter", int),
    ],
    sources: ["sales_order", "purchase_order", "payment"],
    span: { first: "1900-01-01", last: "2100-12-31" },
  },
  {
    name: "dim_staff",
    kind: "dim",
    grain: "one row per staff member, with their department's current values",
    naturalKey: "staff_id",
    columns: [
      id("staff_id"),
      col("first_name"),
      col("last_name"),
      col("department_name"),
      col("location", text, true),
      col("email_address"),
    ],
    sources: ["staff", "department"],
  },
  {
    name: "dim_location",
    kind: "dim",
    grain: "one row per address",
    naturalKey: "location_id",
    columns: [
      id("location_id"),
      col("address_line_1"),
      col("address_line_2", text, true),
      col("district", text, true),
      col("city"),
      col("postal_code"),
      col("country"),
      col("phone"),
    ],
    sources: ["address"],
  },
  {
    name: "dim_design",
    kind: "dim",
    grain: "one row per design",
    naturalKey: "design_id",
    columns: [id("design_id"), col("design_name"), col("file_location"), col("file_name")],
    sources: ["design"],
  },
  {
    name: "dim_currency",
    kind: "dim",
    grain: "one row per currency",
    naturalKey: "currency_id",
    columns: [id("currency_id"), col("currency_code", { kind: "text", maxLength: 3 }), col("currency_name")],
    sources: ["currency"],
  },
  {
    name: "dim_counterparty",
    kind: "dim",
    grain: "one row per counterparty, with its legal address's current values",
    naturalKey: "counterparty_id",
    columns: [
      id("counterparty_id"),
      col("counterparty_legal_name"),
      col("counterparty_legal_address_line_1"),
      col("counterparty_legal_address_line_2", text, true),
      col("counterparty_legal_district", text, true),
      col("counterparty_legal_city"),
      col("counterparty_legal_postal_code"),
      col("counterparty_legal_country"),
      col("counterparty_legal_phone_number"),
    ],
    sources: ["counterparty", "address"],
  },
  {
    name: "dim_payment_type",
    kind: "dim",
    grain: "one row per payment type",
    naturalKey: "payment_type_id",
    columns: [id("payment_type_id"), col("payment_type_name")],
    sources: ["payment_type"],
  },
  {
    name: "dim_transaction",
    kind: "dim",
    grain: "one row per transaction",
    naturalKey: "transaction_id",
    columns: [
      id("transaction_id"),
      col("transaction_type"),
      col("sales_order_id", int, true),
      col("purchase_order_id", int, true),
    ],
    sources: ["transaction"],
  },
  {
    name: "fact_sales_order",
    kind: "fact",
    grain: "one row per version (last_updated) of a sales order",
    naturalKey: "sales_order_id",
    recordId: "sales_record_id",
    versionKey: ["last_updated_date", "last_updated_time"],
    columns: [
      id("sales_record_id"),
      id("sales_order_id"),
      ...versionColumns("last_updated_time"),
      ref("sales_staff_id", "dim_staff", "staff_id"),
      ref("counterparty_id", "dim_counterparty", "counterparty_id"),
      col("units_sold", int),
      col("unit_price", money),
      ref("currency_id", "dim_currency", "currency_id"),
      ref("design_id", "dim_design", "design_id"),
      onDate("agreed_payment_date"),
      onDate("agreed_delivery_date"),
      ref("agreed_delivery_location_id", "dim_location", "location_id"),
    ],
    sources: ["sales_order"],
  },
  {
    name: "fact_purchase_order",
    kind: "fact",
    grain: "one row per version (last_updated) of a purchase order",
    naturalKey: "purchase_order_id",
    recordId: "purchase_record_id",
    versionKey: ["last_updated_date", "last_updated_time"],
    columns: [
      id("purchase_record_id"),
      id("purchase_order_id"),
      ...versionColumns("last_updated_time"),
      ref("staff_id", "dim_staff", "staff_id"),
      ref("counterparty_id", "dim_counterparty", "counterparty_id"),
      col("item_code"),
      col("item_quantity", int),
      col("item_unit_price", money),
      ref("currency_id", "dim_currency", "currency_id"),
      onDate("agreed_delivery_date"),
      onDate("agreed_payment_date"),
      ref("agreed_delivery_location_id", "dim_location", "location_id"),
    ],
    sources: ["purchase_order"],
  },
  {
    name: "fact_payment",
    kind: "fact",
    grain: "one row per version (last_updated) of a payment",
    naturalKey: "payment_id",
    recordId: "payment_record_id",
    versionKey: ["last_updated_date", "last_updated"],
    columns: [
      id("payment_record_id"),
      id("payment_id"),
      ...versionColumns("last_updated"),
      ref("transaction_id", "dim_transaction", "transaction_id"),
      ref("counterparty_id", "dim_counterparty", "counterparty_id"),
      col("payment_amount", money),
      ref("currency_id", "dim_currency", "currency_id"),
      ref("payment_type_id", "dim_payment_type", "payment_type_id"),
      col("paid", { kind: "boolean" }),
      onDate("payment_date"),
    ],
    sources: ["payment"],
  },
] as const satisfies readonly TargetTable[];

export type TargetTableName = (typeof TARGET_TABLES)[number]["name"];
