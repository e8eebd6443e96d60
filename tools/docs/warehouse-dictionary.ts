import {
  STARS,
  TARGET_TABLES,
  columnDescription,
  sqlType,
  starsOf,
  tableDescription,
  type Column,
  type Star,
  type TargetTable,
} from "../../lib/catalog/index.js";
import { REFERENCES_NOT_ENFORCED, currentViewGrain, sentence } from "../../lib/warehouse/comments.js";
import { currentViewName } from "../../lib/warehouse/views.js";

/** Where the dictionary lives in the repository, and the command that writes it. */
export const DICTIONARY_PATH = "docs/warehouse.md";
export const DICTIONARY_COMMAND = "npx totes warehouse docs";

const cell = (text: string): string => text.replaceAll("|", "\\|");
const code = (name: string): string => `\`${name}\``;

/** Mermaid's attribute types are single words: `numeric(10,2)` → `numeric`. */
const erType = (column: Column): string => sqlType(column.type).replace(/\(.*$/, "");

function erKeys(table: TargetTable, column: Column): string {
  const keys: string[] = [];
  if (column.name === table.recordId || (table.kind !== "fact" && column.name === table.naturalKey))
    keys.push("PK");
  if (column.references) keys.push("FK");
  return keys.length ? ` ${keys.join(", ")}` : "";
}

function erDiagram(star: Star): string[] {
  const lines = ["```mermaid", "erDiagram"];
  for (const column of star.fact.columns) {
    if (!column.references) continue;
    const many = column.nullable ? "|o--o{" : "||--o{";
    lines.push(`  ${column.references.table} ${many} ${star.fact.name} : ${column.name}`);
  }
  for (const table of [star.fact, ...star.dims]) {
    lines.push(`  ${table.name} {`);
    for (const column of table.columns)
      lines.push(`    ${erType(column)} ${column.name}${erKeys(table, column)}`);
    lines.push("  }");
  }
  lines.push("```");
  return lines;
}

function keyCell(table: TargetTable, column: Column): string {
  const keys: string[] = [];
  if (column.name === table.recordId) keys.push("primary key (warehouse identity)");
  else if (column.name === table.naturalKey)
    keys.push(
      table.kind === "fact"
        ? `natural id; unique with ${(table.versionKey ?? []).map(code).join(", ")}`
        : "primary key (natural id)",
    );
  if (table.versionKey?.includes(column.name)) keys.push("version");
  if (column.references) keys.push(`→ ${code(`${column.references.table}.${column.references.column}`)}`);
  return keys.join("; ");
}

function columnRows(table: TargetTable): string[] {
  const rows = ["| column | type | null | key | meaning | source |", "|---|---|---|---|---|---|"];
  for (const column of table.columns) {
    const { meaning, source, unit } = columnDescription(table.name, column.name);
    const described = unit ? `${sentence(meaning)} Unit: ${unit}.` : sentence(meaning);
    rows.push(
      `| ${code(column.name)} | ${sqlType(column.type)} | ${column.nullable ? "NULL" : ""} | ${cell(keyCell(table, column))} | ${cell(described)} | ${cell(source)} |`,
    );
  }
  return rows;
}

function tableSection(table: TargetTable): string[] {
  const { rule } = tableDescription(table.name);
  const stars = starsOf(table).map((s) => s.name);
  const lines = [
    `### ${table.name}`,
    "",
    `**Grain:** ${table.grain}. **Source rule:** ${rule}. **Star${stars.length > 1 ? "s" : ""}:** ${stars.join(", ")}.`,
  ];
  if (table.kind === "fact")
    lines.push(
      "",
      `Every version of a source row is kept. For counts and sums as things stand, query ${code(currentViewName(table))}.`,
    );
  lines.push("", ...columnRows(table), "");
  if (table.kind === "fact")
    lines.push(
      `### ${currentViewName(table)} (view)`,
      "",
      `**Grain:** ${currentViewGrain(table)}. Same columns as ${code(table.name)}.`,
      "",
    );
  return lines;
}

function starSection(star: Star): string[] {
  const view = currentViewName(star.fact);
  return [
    `### ${star.name}`,
    "",
    `${code(star.fact.name)} (every version; ${code(view)} for the current ones) with ${star.dims.map((d) => code(d.name)).join(", ")}.`,
    "",
    ...erDiagram(star),
    "",
  ];
}

/** The data dictionary, generated from the catalog: docs/warehouse.md. */
export function warehouseDictionary(): string {
  const facts = TARGET_TABLES.filter((t) => t.kind === "fact");
  const dims = TARGET_TABLES.filter((t) => t.kind !== "fact");
  return [
    "# The warehouse: a data dictionary",
    "",
    `<!-- Generated from lib/catalog/ by \`${DICTIONARY_COMMAND}\`. Do not edit: \`npm test\` fails when this file differs from what the catalog generates. -->`,
    "",
    "Three star schemas in the warehouse's `public` schema; the pipeline's bookkeeping is in",
    "`totes_meta`. The same descriptions are on the tables and columns themselves (`COMMENT ON`),",
    "so psql's `\\d+` and BI tools show them.",
    "",
    "- **Facts keep history**: one row per version of a source row (each new `last_updated`).",
    "  A plain `sum` over a fact counts an amended order once per version. For counts and sums",
    `  as things stand, use the current-version views: ${facts.map((f) => code(currentViewName(f))).join(", ")}`,
    "  (one row per natural id, its newest version). Use the facts themselves for history: how",
    "  an order changed, what was outstanding on a given day.",
    "- **Dims keep current values only** (type 1): one row per natural id.",
    `- **References** (the → in the tables below, the lines in the diagrams) are ${REFERENCES_NOT_ENFORCED}.`,
    "  Once the queues are drained, none dangles.",
    "- Times are the source's, with no time zone; money is `numeric(10,2)` in the row's currency.",
    "",
    "## Stars",
    "",
    ...STARS.flatMap(starSection),
    "## Facts",
    "",
    ...facts.flatMap(tableSection),
    "## Dimensions",
    "",
    ...dims.flatMap(tableSection),
  ]
    .join("\n")
    .replace(/\n+$/, "\n");
}
