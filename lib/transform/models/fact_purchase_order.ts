import type { Model } from "./model.js";

export const factPurchaseOrder: Model = {
  target: "fact_purchase_order",
  sql: `SELECT * FROM versions_purchase_order`,
};
