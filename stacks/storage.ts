// The two buckets. Both versioned: an overwritten CSV or Parquet object can be recovered.
// Notifications are wired in queues.ts, next to the queues they feed.

export const ingestionBucket = new sst.aws.Bucket("IngestionBucket", { versioning: true });

export const processedBucket = new sst.aws.Bucket("ProcessedBucket", { versioning: true });

/**
 * A read-only link to a bucket: the function still sees it as `Resource.<BucketName>` (the
 * link takes its name from the bucket's URN), but its role may only list and read objects,
 * where linking the bucket itself would grant `s3:*`.
 */
export function readOnly(bucket: sst.aws.Bucket) {
  return {
    urn: bucket.urn,
    getSSTLink: () => ({
      properties: { name: bucket.name },
      include: [
        sst.aws.permission({ actions: ["s3:ListBucket"], resources: [bucket.arn] }),
        sst.aws.permission({ actions: ["s3:GetObject"], resources: [$interpolate`${bucket.arn}/*`] }),
      ],
    }),
  };
}
