import { singleSourceVersion, type Model } from "./model.js";

// Unknown codes never reach here: the input check rejects them with the row number.
export const dimCurrency: Model = {
  target: "dim_currency",
  sql: `
    SELECT c.*, n.currency_name, ${singleSourceVersion}
      FROM cur_currency c JOIN currency_names n ON n.currency_code = c.currency_code`,
};
