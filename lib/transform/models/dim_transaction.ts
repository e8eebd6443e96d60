import { singleSourceVersion, type Model } from "./model.js";

export const dimTransaction: Model = {
  target: "dim_transaction",
  sql: `SELECT *, ${singleSourceVersion} FROM cur_transaction`,
};
