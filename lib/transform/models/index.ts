import { dimCounterparty } from "./dim_counterparty.js";
import { dimCurrency } from "./dim_currency.js";
import { dimDesign } from "./dim_design.js";
import { dimLocation } from "./dim_location.js";
import { dimPaymentType } from "./dim_payment_type.js";
import { dimStaff } from "./dim_staff.js";
import { dimTransaction } from "./dim_transaction.js";
import { factPayment } from "./fact_payment.js";
import { factPurchaseOrder } from "./fact_purchase_order.js";
import { factSalesOrder } from "./fact_sales_order.js";
import type { Model } from "./model.js";

export type { Model } from "./model.js";

/** The calendar (kind "calendar", dim_date) has no model: it is the days the facts of an input reference. */
export const MODELS: ReadonlyMap<string, Model> = new Map(
  [
    dimStaff,
    dimCounterparty,
    dimLocation,
    dimDesign,
    dimCurrency,
    dimPaymentType,
    dimTransaction,
    factSalesOrder,
    factPurchaseOrder,
    factPayment,
  ].map((m) => [m.target, m]),
);
