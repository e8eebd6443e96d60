import { Command } from "commander";
import { registerRun } from "./commands/run.js";
import { registerSource } from "./commands/source.js";
import { registerWarehouse } from "./commands/warehouse.js";

const program = new Command()
  .name("totes")
  .description("totes-etl: the totesys sales database into three star schemas, on AWS or on this machine")
  .showHelpAfterError();

registerRun(program);
registerSource(program);
registerWarehouse(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`totes: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
