import type { OpenTarget } from "../runtime/local/ops-target.js";

export interface TargetOptions {
  /** A deployed SST stage: the tools then talk to AWS. */
  readonly stage?: string;
  /** The local data directory (used when there is no stage). */
  readonly dataDir: string;
  /** With a stage: read its resources from this SST outputs file instead of their tags. */
  readonly outputsFile?: string;
  /** Locally: write nothing back to the data directory (status, runs). */
  readonly readOnly?: boolean;
}

/**
 * `--stage` means AWS; otherwise the local runtime under the data directory. Each side is
 * imported only when used: a local `totes status` need not load the AWS tagging client.
 */
export async function openTarget(options: TargetOptions): Promise<OpenTarget> {
  return options.stage
    ? (await import("../runtime/aws/ops-target.js")).openAwsTarget(options.stage, options)
    : (await import("../runtime/local/ops-target.js")).openLocalTarget(options.dataDir, {
        readOnly: options.readOnly ?? false,
      });
}

/** Opens, runs, always closes (locally: saves the state back). */
export async function withTarget<T>(
  options: TargetOptions,
  fn: (open: OpenTarget) => Promise<T>,
): Promise<T> {
  const open = await openTarget(options);
  try {
    return await fn(open);
  } finally {
    await open.close();
  }
}
