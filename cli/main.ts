import { Command } from "commander";
import { registerRun } from "./commands/run.js";
import { registerSource } from "./commands/source.js";

const program = new Command()
  .name("totes")
  .description("totes-etl: the totesys sales database into three star schemas, on AWS or on this machine")
  .showHelpAfterError();

registerRun(program);
registerSource(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`totes: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
