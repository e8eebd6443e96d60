import { singleSourceVersion, type Model } from "./model.js";

export const dimLocation: Model = {
  target: "dim_location",
  sql: `
    SELECT *, address_id AS location_id, ${singleSourceVersion}
      FROM cur_address WHERE address_id IN (SELECT address_id FROM changed_address)`,
};
