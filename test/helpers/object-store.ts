import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { buildApp } from "fauxqs";
import { s3Client, type AwsEndpoint } from "../../runtime/aws/clients.js";
import type { Buckets } from "../../lib/pipeline/location.js";
import { ObjectStore } from "../../lib/store/object-store.js";

export interface TestObjectStore extends Buckets {
  readonly endpoint: Required<AwsEndpoint>;
  createBucket(name: string): Promise<void>;
  /** From now on the server refuses (HTTP 500) writes whose path matches; undefined heals it. */
  refuseWrites(path: RegExp | undefined): void;
  stop(): Promise<void>;
}

/** A real S3-compatible endpoint (fauxqs, in-process on loopback) with the pipeline's two buckets. */
export async function startObjectStore(): Promise<TestObjectStore> {
  const app = buildApp({ logger: false } as Parameters<typeof buildApp>[0]);
  let refused: RegExp | undefined;
  // A fault injected in the server itself: the client code under test sees a real 500.
  app.addHook("onRequest", async (request, reply) => {
    if (
      refused &&
      (request.method === "PUT" || request.method === "POST") &&
      refused.test(decodeURIComponent(request.url))
    )
      await reply
        .code(500)
        .header("content-type", "application/xml")
        .send("<Error><Code>InternalError</Code></Error>");
  });
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
    refuseWrites: (path: RegExp | undefined) => void (refused = path),
    stop: async () => void (await app.close()),
  };
}
