import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { s3Client } from "../runtime/aws/clients.js";
import { provisionPipeline, startLocalAws, type LocalAws } from "../runtime/local/index.js";

// A full disk under the data directory, simulated: once `full` is set, writing any file the
// local state saves (always through a temporary name) fails as the kernel reports ENOSPC.
const disk = vi.hoisted(() => ({ full: false }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  const open: typeof actual.open = async (...args) => {
    const handle = await actual.open(...args);
    if (!disk.full || !String(args[0]).includes(".tmp-")) return handle;
    return new Proxy(handle, {
      get(target, property) {
        if (property === "writeFile")
          return () =>
            Promise.reject(
              Object.assign(new Error("ENOSPC: no space left on device, write"), {
                code: "ENOSPC",
                syscall: "write",
              }),
            );
        const value: unknown = Reflect.get(target, property);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  return { ...actual, open, default: { ...actual, open } };
});

describe("saving the local AWS state on a full disk", () => {
  let dataDir: string | undefined;
  let aws: LocalAws | undefined;
  afterEach(async () => {
    disk.full = false;
    await aws?.stop().catch(() => undefined);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps the OS's cause (ENOSPC) in the error, naming the folder", async () => {
    // Prepare: a data directory with a bucket and an object in it.
    dataDir = await mkdtemp(path.join(tmpdir(), "totes-enospc-"));
    aws = await startLocalAws({ dataDir });
    const pipeline = await provisionPipeline(aws.endpoint);
    const s3 = s3Client(aws.endpoint);
    await s3.send(
      new PutObjectCommand({ Bucket: pipeline.resources.ingestionBucket, Key: "x.txt", Body: "x" }),
    );
    s3.destroy();

    // Act: the disk fills up, then the state is saved.
    disk.full = true;
    const saving = aws.save();

    // Assess
    await expect(saving).rejects.toThrow(
      `saving the local AWS state to ${path.join(dataDir, "aws")} failed: ENOSPC: no space left on device, write`,
    );
  });
});
