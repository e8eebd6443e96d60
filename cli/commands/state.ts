import type { Command } from "commander";
import { SOURCE_TABLES } from "../../lib/catalog/index.js";
import { resetExtractState } from "../../lib/extract/state.js";
import { OpsError, withTarget } from "../../ops/index.js";
import { targetOptions, whereOptions, type WhereOptions } from "./dlq.js";

interface ResetOptions extends WhereOptions {
  table?: string[];
}

export async function stateReset(opts: ResetOptions): Promise<string> {
  const known = new Set<string>(SOURCE_TABLES.map((t) => t.name));
  const unknown = (opts.table ?? []).filter((t) => !known.has(t));
  if (unknown.length)
    throw new OpsError(`--table takes source tables (${[...known].join(", ")}), not ${unknown.join(", ")}`);
  return withTarget(targetOptions(opts), async ({ target }) => {
    await resetExtractState(target.store, target.resources.ingestionBucket, opts.table);
    const what = opts.table?.length ? opts.table.join(", ") : "every table";
    return `reset the extraction cursors of ${what} in ${target.description}: the next run reads ${
      opts.table?.length === 1 ? "it" : "them"
    } in full (facts gain no duplicate version; dims are repaired)`;
  });
}

export function registerState(program: Command): void {
  const state = program
    .command("state")
    .description("the extraction cursors (what has been read from the source)");
  whereOptions(state.command("reset"))
    .description(
      "start capture over: the next run reads every table (or --table T) in full and records the source anew",
    )
    .option("--table <table...>", "only these source tables")
    .action(async (opts: ResetOptions) => console.log(await stateReset(opts)));
}
