import type { ObjectStore } from "../store/object-store.js";

/** Where the pipeline's objects live: the same shape on AWS and in the local runtime. */
export interface Buckets {
  readonly store: ObjectStore;
  readonly ingestionBucket: string;
  readonly processedBucket: string;
}
