import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";

/**
 * Where the AWS APIs are: real AWS (endpoint undefined: the SDK's own resolution and
 * credentials chain) or an S3/SQS-compatible endpoint such as the local runtime's.
 */
export interface AwsEndpoint {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function s3Client(aws: AwsEndpoint = {}): S3Client {
  return new S3Client({
    region: aws.region ?? process.env.AWS_REGION ?? "eu-west-2",
    ...(aws.endpoint ? { endpoint: aws.endpoint, forcePathStyle: true } : {}),
    ...(aws.credentials ? { credentials: aws.credentials } : {}),
  });
}

export function sqsClient(aws: AwsEndpoint = {}): SQSClient {
  return new SQSClient({
    region: aws.region ?? process.env.AWS_REGION ?? "eu-west-2",
    ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
    ...(aws.credentials ? { credentials: aws.credentials } : {}),
  });
}
