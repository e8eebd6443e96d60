import { createReadStream, createWriteStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly etag?: string;
}

export interface PutOptions {
  contentType?: string;
  /** Write only if the object's current ETag is this one (optimistic concurrency). */
  ifMatch?: string;
  /** Write only if no object has this key yet. */
  ifNoneMatch?: boolean;
}

/** Thrown when a conditional write loses to another writer. */
export class PreconditionFailedError extends Error {
  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {
    super(`s3://${bucket}/${key} changed under us (precondition failed)`);
    this.name = "PreconditionFailedError";
  }
}

const PART_SIZE = 8 * 1024 * 1024;

const isPreconditionFailure = (error: unknown) =>
  (error as { name?: string; $metadata?: { httpStatusCode?: number } }).name === "PreconditionFailed" ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412;

/** 416: a range the object cannot satisfy. */
const isUnsatisfiableRange = (error: unknown) =>
  (error as { name?: string }).name === "InvalidRange" ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416;

const isNotFound = (error: unknown) =>
  ["NotFound", "NoSuchKey"].includes((error as { name?: string }).name ?? "") ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

/**
 * The size of the object a GET answered from: `Content-Range`'s total ("bytes 100-199/200");
 * without one the store sent all of the object, and the body's length is its size.
 */
const answeredSize = (contentRange: string | undefined, body: Buffer): number => {
  const total = /\/(\d+)$/.exec(contentRange ?? "")?.[1];
  return total === undefined ? body.byteLength : Number(total);
};

/**
 * A response body's bytes in one buffer: its chunks as they came when there is one, else copied
 * once into memory left uninitialised (the SDK's collector zero-fills a new array first).
 */
async function bodyBytes(body: GetObjectCommandOutput["Body"]): Promise<Buffer> {
  if (!(body instanceof Readable)) {
    const bytes = await body!.transformToByteArray();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    chunks.push(bytes);
    length += bytes.length;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
}

/**
 * The pipeline's only door to object storage: S3 through the AWS SDK, on AWS or any
 * S3-compatible endpoint. Large bodies stream through multipart uploads, so memory does
 * not grow with object size.
 */
export class ObjectStore {
  constructor(private readonly s3: S3Client) {}

  /** Closes the client's connections (a process that ends needs nothing more). */
  destroy(): void {
    this.s3.destroy();
  }

  /** Small bodies (state, JSON): one PUT, with optional preconditions. Returns the new ETag. */
  async putBytes(bucket: string, key: string, body: string | Uint8Array, options: PutOptions = {}) {
    try {
      const result = await this.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: options.contentType,
          ...(options.ifMatch ? { IfMatch: options.ifMatch } : {}),
          ...(options.ifNoneMatch ? { IfNoneMatch: "*" } : {}),
        }),
      );
      return result.ETag;
    } catch (error) {
      if (isPreconditionFailure(error)) throw new PreconditionFailedError(bucket, key);
      throw error;
    }
  }

  /** Any size: a stream goes up in parts; the upload completes only when every byte is stored. */
  async putStream(bucket: string, key: string, body: Readable, contentType?: string): Promise<void> {
    await new Upload({
      client: this.s3,
      params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: 2,
    }).done();
  }

  async putFile(bucket: string, key: string, file: string, contentType?: string): Promise<void> {
    const { size } = await stat(file);
    if (size < PART_SIZE) {
      await this.putBytes(bucket, key, await readFile(file), { contentType });
    } else {
      await this.putStream(bucket, key, createReadStream(file), contentType);
    }
  }

  async getStream(bucket: string, key: string): Promise<Readable> {
    const result = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return result.Body as Readable;
  }

  async getBytes(bucket: string, key: string): Promise<{ body: Buffer; etag?: string } | undefined> {
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { body: await bodyBytes(result.Body), etag: result.ETag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Bytes `start` to `end` (exclusive) of an object; with `etag`, only of that version of it
   * (else PreconditionFailedError): a reader that takes an object piece by piece must not mix
   * two versions.
   */
  async getRange(bucket: string, key: string, start: number, end: number, etag?: string): Promise<Buffer> {
    try {
      const result = await this.s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: `bytes=${start}-${end - 1}`,
          ...(etag ? { IfMatch: etag } : {}),
        }),
      );
      const bytes = await bodyBytes(result.Body);
      // A store that ignored the range would hand back other bytes than asked for.
      if (bytes.byteLength !== end - start)
        throw new Error(
          `s3://${bucket}/${key}: asked for bytes ${start}–${end - 1}, got ${bytes.byteLength} bytes (${result.ContentRange ?? "no Content-Range"})`,
        );
      return bytes;
    } catch (error) {
      if (isPreconditionFailure(error)) throw new PreconditionFailedError(bucket, key);
      throw error;
    }
  }

  /**
   * An object's last `bytes` bytes (all of it, if smaller), its size and its ETag, in one
   * request: what a reader that starts from the end (Parquet's footer) needs first. Undefined
   * when there is no such object.
   */
  async getTail(
    bucket: string,
    key: string,
    bytes: number,
    /**
     * The object's size if known (an event names it): the tail is then asked for by its bounds,
     * which every store answers alike; if the object is not that size now, as without it.
     */
    size?: number,
  ): Promise<{ tail: Buffer; size: number; etag?: string } | undefined> {
    if (size !== undefined && Number.isSafeInteger(size) && size > 0) {
      const bounded = await this.getTailOfSize(bucket, key, bytes, size);
      if (bounded) return bounded;
    }
    try {
      const result = await this.s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=-${bytes}` }),
      );
      const tail = await bodyBytes(result.Body);
      return { tail, size: answeredSize(result.ContentRange, tail), etag: result.ETag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      // S3 answers a suffix longer than the object with all of it; some S3-compatible stores
      // (fauxqs, the local runtime's) refuse it instead: then the object is smaller than that.
      if (!isUnsatisfiableRange(error)) throw error;
      const whole = await this.getBytes(bucket, key);
      return (
        whole && {
          tail: whole.body,
          size: whole.body.byteLength,
          ...(whole.etag ? { etag: whole.etag } : {}),
        }
      );
    }
  }

  /** `getTail` of an object thought to be `size` bytes; undefined if it is missing or not that size. */
  private async getTailOfSize(
    bucket: string,
    key: string,
    bytes: number,
    size: number,
  ): Promise<{ tail: Buffer; size: number; etag?: string } | undefined> {
    const start = Math.max(0, size - bytes);
    let result: GetObjectCommandOutput;
    try {
      result = await this.s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${size - 1}` }),
      );
    } catch (error) {
      if (isNotFound(error) || isUnsatisfiableRange(error)) return undefined;
      throw error;
    }
    const tail = await bodyBytes(result.Body);
    const answered = answeredSize(result.ContentRange, tail);
    // All of the object as it is now is its tail too; a range of another size is of a later
    // version, not the tail asked for.
    if (result.ContentRange && (answered !== size || tail.byteLength !== size - start)) return undefined;
    return { tail, size: answered, etag: result.ETag };
  }

  async getFile(bucket: string, key: string, file: string): Promise<void> {
    await pipeline(await this.getStream(bucket, key), createWriteStream(file));
  }

  async head(bucket: string, key: string): Promise<StoredObject | undefined> {
    try {
      const result = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { key, size: result.ContentLength ?? 0, etag: result.ETag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Every object under a prefix, following continuation tokens past S3's 1,000-key pages. */
  async *list(bucket: string, prefix = ""): AsyncGenerator<StoredObject> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) yield { key: o.Key!, size: o.Size ?? 0, etag: o.ETag };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
