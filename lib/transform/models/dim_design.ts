import { singleSourceVersion, type Model } from "./model.js";

export const dimDesign: Model = {
  target: "dim_design",
  sql: `SELECT *, ${singleSourceVersion} FROM cur_design`,
};
