import type { Model } from "./model.js";

export const factSalesOrder: Model = {
  target: "fact_sales_order",
  sql: `SELECT *, staff_id AS sales_staff_id FROM versions_sales_order`,
};
