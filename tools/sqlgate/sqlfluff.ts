import { execFile } from "node:child_process";
import { access, constants, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

/** Where sqlfluff lives: the Python that runs its `sqlfluff` script, and its version. */
export interface SqlfluffInstall {
  /** The interpreter and leading arguments from the script's shebang, e.g. ["/usr/bin/python3"]. */
  python: readonly string[];
  version: string;
}

/**
 * Finds `sqlfluff` on PATH and the Python it runs under. The gate imports sqlfluff as a library,
 * and the `python3` first on PATH is not necessarily that Python (pyenv shims here do not see
 * Debian's /usr/lib/python3/dist-packages), so the script's shebang says which interpreter to use.
 * Resolves to undefined, with the reason, when there is none.
 */
export async function findSqlfluff(
  searchPath = process.env.PATH ?? "",
): Promise<{ install: SqlfluffInstall } | { install: undefined; reason: string }> {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const script = path.join(dir, "sqlfluff");
    try {
      await access(script, constants.X_OK);
    } catch {
      continue;
    }
    const firstLine = (await readFile(script, "utf8")).split("\n", 1)[0] ?? "";
    if (!firstLine.startsWith("#!"))
      return { install: undefined, reason: `${script} has no #! line naming its Python` };
    const python = firstLine.slice(2).trim().split(/\s+/);
    try {
      const { stdout } = await promisify(execFile)(
        python[0]!,
        [...python.slice(1), "-c", "import sqlfluff; print(sqlfluff.__version__)"],
        { timeout: 30_000 },
      );
      return { install: { python, version: stdout.trim() } };
    } catch (error) {
      return { install: undefined, reason: `${python.join(" ")} cannot import sqlfluff (${String(error)})` };
    }
  }
  return { install: undefined, reason: "no sqlfluff on PATH" };
}
