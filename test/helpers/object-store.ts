import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { buildApp } from "fauxqs";
import { s3Client, type AwsEndpoint } from "../../lib/aws/clients.js";
import type { Buckets } from "../../lib/pipeline/location.js";
import { ObjectStore } from "../../lib/store/object-store.js";

export interface TestObjectStore extends Buckets {
  readonly endpoint: Required<AwsEndpoint>;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** A real S3-compatible endpoint (fauxqs, in-process on loopback) with the pipeline's two buckets. */
export async function startObjectStore(): Promise<TestObjectStore> {
  const app = buildApp({ logger: false } as Parameters<typeof buildApp>[0]);
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  const endpoint = {
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  const s3 = s3Client(endpoint);
  const createBucket = async (name: string) =>
    void (await s3.send(new CreateBucketCommand({ Bucket: name })));
  const buckets = { ingestionBucket: "ingestion", processedBucket: "processed" };
  for (const bucket of Object.values(buckets)) await createBucket(bucket);
  return {
    store: new ObjectStore(s3),
    ...buckets,
    endpoint,
    createBucket,
    stop: async () => void (await app.close()),
  };
}
