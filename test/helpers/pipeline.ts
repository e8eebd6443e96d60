import type { PipelineIdentity } from "../../lib/warehouse/ownership.js";

/** The pipeline a test's handlers load as (lib/warehouse/ownership.ts). */
export const TEST_PIPELINE: PipelineIdentity = { id: "test:pipeline", description: "the test pipeline" };
