import { pastNonCode } from "../data-api/placeholders.js";
import type { ParameterValue, PlanStatement } from "../data-api/plan.js";

/**
 * `$1`-style parameters (what the planner and the port's queries use, as Postgres takes them)
 * as the Data API's named ones: `$n` becomes `:{prefix}{n}`. A batch shares one set of names,
 * so each statement of a batch gets its own prefix. Skips what is not SQL code (`pastNonCode`):
 * string literals, quoted identifiers and comments (a comment's text may say `$1`).
 */
export function toNamed(sql: string, params: readonly unknown[] = [], prefix = "p"): PlanStatement {
  let out = "";
  const used = new Map<string, ParameterValue>();
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const skipped = pastNonCode(sql, i);
    if (skipped !== i) {
      out += sql.slice(i, skipped);
      i = skipped;
    } else if (ch === "$" && /[0-9]/.test(sql[i + 1] ?? "")) {
      let end = i + 1;
      while (end < sql.length && /[0-9]/.test(sql[end]!)) end++;
      const n = Number(sql.slice(i + 1, end));
      if (n < 1 || n > params.length)
        throw new RangeError(`$${n} has no value (${params.length} given) in: ${sql.slice(0, 200)}`);
      const name = `${prefix}${n}`;
      used.set(name, asParameter(params[n - 1]));
      out += `:${name}`;
      i = end;
    } else {
      out += ch;
      i++;
    }
  }
  return used.size ? { sql: out, parameters: Object.fromEntries(used) } : { sql: out };
}

function asParameter(value: unknown): ParameterValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  throw new TypeError(`a parameter of type ${typeof value} has no Data API form`);
}
