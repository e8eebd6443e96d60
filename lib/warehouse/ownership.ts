import { PipelineError } from "../errors.js";

/**
 * Which pipeline loads a warehouse. Two pipelines loading one warehouse each order their own
 * reads but not each other's join states, so one silently undoes the other's newer rows
 * (a second local data dir, a second stage pointed at the same database). The first load
 * claims the warehouse (`totes_meta.owner`); loads from any other pipeline are refused until
 * someone hands it over on purpose (`totes warehouse claim`).
 */
export interface PipelineIdentity {
  /** Stable for the life of the pipeline: a local data dir's id, or a deployed stage's bucket. */
  readonly id: string;
  /** For people: where the pipeline runs. */
  readonly description: string;
}

/** A deployed stage: named by its processed bucket, which only that stage has. */
export const deployedPipeline = (processedBucket: string, stage?: string): PipelineIdentity => ({
  id: `aws:${processedBucket}`,
  description: `the deployed pipeline${stage ? ` of stage ${stage}` : ""} (processed bucket ${processedBucket})`,
});

export interface WarehouseOwner extends PipelineIdentity {
  /** ISO 8601 UTC. */
  readonly claimedAt: string;
}

/** A load (or run) by a pipeline other than the one that owns the warehouse. */
export class WarehouseOwnedError extends PipelineError {
  constructor(
    readonly warehouse: string,
    readonly owner: WarehouseOwner,
    readonly pipeline: PipelineIdentity,
  ) {
    super(
      `warehouse ${warehouse} is loaded by another pipeline: ${owner.description} (id ${owner.id}, since ${owner.claimedAt}); ` +
        `this one is ${pipeline.description} (id ${pipeline.id}). Nothing was loaded. ` +
        "To hand the warehouse over to this pipeline on purpose, run `totes warehouse claim` with this pipeline's settings " +
        "(the other pipeline's loads are refused from then on)",
    );
  }
}
