import { versionColumns, type Model } from "./model.js";

// A department change re-emits every staff member in it, so the dim stays current.
export const dimStaff: Model = {
  target: "dim_staff",
  sql: `
    SELECT s.*, d.department_name, d.location,
           ${versionColumns("s", "d")}
      FROM cur_staff s
      JOIN cur_department d ON d.department_id = s.department_id
     WHERE s.staff_id IN (SELECT staff_id FROM changed_staff)
        OR s.department_id IN (SELECT department_id FROM changed_department)`,
};
