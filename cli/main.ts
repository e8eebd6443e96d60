import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerBackfill } from "./commands/backfill.js";
import { registerDlq } from "./commands/dlq.js";
import { registerExtractNow } from "./commands/extract-now.js";
import { registerQuarantine } from "./commands/quarantine.js";
import { registerRun } from "./commands/run.js";
import { registerRuns } from "./commands/runs.js";
import { registerSource } from "./commands/source.js";
import { registerState } from "./commands/state.js";
import { registerStatus } from "./commands/status.js";
import { registerVerify } from "./commands/verify.js";
import { registerWarehouse } from "./commands/warehouse.js";

// Read at run time: bin/totes.mjs runs this file from the package, through tsx, unbuilt.
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const program = new Command()
  .name("totes")
  .version(version, "-V, --version", "print the version of totes-etl")
  .description("totes-etl: the totesys sales database into three star schemas, on AWS or on this machine")
  .showHelpAfterError();

registerRun(program);
registerBackfill(program);
registerRuns(program);
registerSource(program);
registerWarehouse(program);
registerVerify(program);
registerDlq(program);
registerQuarantine(program);
registerStatus(program);
registerState(program);
registerExtractNow(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`totes: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
