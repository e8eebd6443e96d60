import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/** Another live process holds the local runtime's state directory. */
export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `${dataDir} is in use by another totes process (pid ${pid}); its local queues and objects ` +
        "are saved when it stops, and two writers would overwrite each other. Stop it first.",
    );
    this.name = "DataDirBusyError";
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * One process at a time per data directory: state is saved whole on stop, so a second
 * process (a `dlq replay` beside a scheduled `run`) would silently undo the other's work.
 * A lock left by a process that died is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, "aws", "lock");
  await mkdir(path.dirname(file), { recursive: true });
  for (;;) {
    try {
      await writeFile(file, String(process.pid), { flag: "wx" });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(await readFile(file, "utf8").catch(() => "0"));
      if (holder && holder !== process.pid && alive(holder)) throw new DataDirBusyError(dataDir, holder);
      await rm(file, { force: true });
    }
  }
}
