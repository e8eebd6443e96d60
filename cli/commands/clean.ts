import { existsSync } from "node:fs";
import path from "node:path";
import { removeDataDir } from "../../runtime/local/postgres/embedded.js";
import { CliError } from "../errors.js";
import { findDataDir } from "../data-dir.js";

/** What only a totes data directory holds: `clean` deletes nothing else. */
const SIGNS = ["credentials.json", "aws", "postgres", "databases.json"];

/**
 * `totes clean`: the data directory removed, cluster and all, so the next command starts
 * over. It refuses a folder that does not look like one (a mistyped --data-dir ~ must not
 * empty a home folder).
 */
export async function clean(opts: { dataDir?: string }): Promise<string> {
  const { dir } = findDataDir(opts.dataDir);
  if (!existsSync(dir)) return `nothing to clean: ${dir} does not exist`;
  const looksLikeOurs =
    path.basename(dir) === ".totes" || SIGNS.some((name) => existsSync(path.join(dir, name)));
  if (!looksLikeOurs || existsSync(path.join(dir, "package.json")) || dir === path.parse(dir).root)
    throw new CliError(
      `${dir} does not look like a totes data dir (no ${SIGNS.join(", ")}): not deleting it`,
      "name the data dir itself: npx totes clean --data-dir <dir>",
    );
  const removed = await removeDataDir(dir);
  return `removed ${removed.join(" and ")} (embedded cluster, its password, queues, objects, remembered URLs); the next \`npx totes run\` starts over`;
}
