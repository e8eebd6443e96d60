import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { buildApp } from "fauxqs";
import { s3Client } from "../../lib/aws/clients.js";
import type { Buckets } from "../../lib/pipeline/location.js";
import { ObjectStore } from "../../lib/store/object-store.js";

/** A real S3-compatible endpoint (fauxqs, in-process on loopback) with the pipeline's two buckets. */
export async function startObjectStore(): Promise<Buckets & { stop(): Promise<void> }> {
  const app = buildApp({ logger: false } as Parameters<typeof buildApp>[0]);
  const endpoint = await app.listen({ port: 0, host: "127.0.0.1" });
  const s3 = s3Client({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const buckets = { ingestionBucket: "ingestion", processedBucket: "processed" };
  for (const bucket of Object.values(buckets)) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { store: new ObjectStore(s3), ...buckets, stop: async () => void (await app.close()) };
}
