import { singleSourceVersion, type Model } from "./model.js";

export const dimPaymentType: Model = {
  target: "dim_payment_type",
  sql: `SELECT *, ${singleSourceVersion} FROM cur_payment_type`,
};
