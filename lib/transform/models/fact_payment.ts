import type { Model } from "./model.js";

// The warehouse ERD names payment's time column plain `last_updated`.
export const factPayment: Model = {
  target: "fact_payment",
  sql: `SELECT * EXCLUDE (last_updated), last_updated_time AS last_updated FROM versions_payment`,
};
