import { resetExtractState } from "../../lib/extract/state.js";
import { withTarget } from "../../ops/index.js";
import { sourceTables } from "../table-names.js";
import type { WhereOptions } from "../options.js";
import { targetOptions } from "./dlq.js";

interface ResetOptions extends WhereOptions {
  table?: string[];
}

export async function stateReset(opts: ResetOptions): Promise<string> {
  if (opts.table) opts.table = sourceTables(opts.table);
  return withTarget(targetOptions(opts), async ({ target }) => {
    await resetExtractState(target.store, target.resources.ingestionBucket, opts.table);
    const what = opts.table?.length ? opts.table.join(", ") : "every table";
    return `reset the extraction cursors of ${what} in ${target.description}: the next run reads ${
      opts.table?.length === 1 ? "it" : "them"
    } in full (facts gain no duplicate version; dims are repaired)`;
  });
}
