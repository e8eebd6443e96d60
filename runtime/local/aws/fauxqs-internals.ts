import { buildApp, type BuildAppOptions } from "fauxqs";

/**
 * fauxqs 1.9.2 exports only `buildApp`, but persistence and notification delivery need its
 * stores. `buildApp({ stores })` accepts stores we construct ourselves, so we load the store
 * classes from the same files fauxqs itself imports (same module instances, so its
 * `instanceof S3Error` checks keep working) and name their types through `BuildAppOptions`.
 * Everything that leans on fauxqs internals lives in this one file, pinned to 1.9.2.
 */

export type FauxqsStores = NonNullable<BuildAppOptions["stores"]>;
export type SqsStore = FauxqsStores["sqsStore"];
export type S3Store = FauxqsStores["s3Store"];
export type SqsQueue = ReturnType<SqsStore["createQueue"]>;
export type SqsMessage = SqsQueue["messages"][number];
export type S3Object = ReturnType<S3Store["getObject"]>;
export type FauxqsApp = ReturnType<typeof buildApp>;

/** The private maps of fauxqs's S3Store that hold buckets and objects. */
export interface S3StoreMaps {
  readonly buckets: Map<string, Map<string, S3Object>>;
  readonly bucketCreationDates: Map<string, Date>;
}

export interface FauxqsInternals {
  newStores(): FauxqsStores;
  /** fauxqs's own message factory (ids, MD5s, timestamps the way its SendMessage makes them). */
  createMessage(body: string, delaySeconds?: number): SqsMessage;
  decodeAwsChunked(body: Buffer): Buffer;
}

interface StoreModules {
  SqsStore: (new () => SqsStore) & {
    createMessage(body: string, attributes?: Record<string, never>, delaySeconds?: number): SqsMessage;
  };
  SnsStore: new () => FauxqsStores["snsStore"];
  S3Store: new () => S3Store;
  decodeAwsChunked: (body: Buffer) => Buffer;
}

let loading: Promise<FauxqsInternals> | undefined;

export function loadFauxqsInternals(): Promise<FauxqsInternals> {
  loading ??= load();
  return loading;
}

async function load(): Promise<FauxqsInternals> {
  const base = import.meta.resolve("fauxqs");
  const file = (path: string) => new URL(path, base).href;
  let modules: StoreModules;
  try {
    const [sqs, sns, s3, chunked] = await Promise.all([
      import(file("./sqs/sqsStore.js")),
      import(file("./sns/snsStore.js")),
      import(file("./s3/s3Store.js")),
      import(file("./s3/chunkedEncoding.js")),
    ]);
    modules = {
      SqsStore: sqs.SqsStore,
      SnsStore: sns.SnsStore,
      S3Store: s3.S3Store,
      decodeAwsChunked: chunked.decodeAwsChunked,
    };
  } catch (error) {
    throw new Error(`cannot load fauxqs store modules next to ${base} (expected fauxqs 1.9.2)`, {
      cause: error,
    });
  }
  for (const [name, value] of Object.entries(modules)) {
    if (typeof value !== "function")
      throw new Error(`fauxqs internals changed: ${name} is not exported (expected fauxqs 1.9.2)`);
  }
  return {
    newStores: () => ({
      sqsStore: new modules.SqsStore(),
      snsStore: new modules.SnsStore(),
      s3Store: new modules.S3Store(),
    }),
    createMessage: (body, delaySeconds) =>
      modules.SqsStore.createMessage(body, {}, delaySeconds && delaySeconds > 0 ? delaySeconds : undefined),
    decodeAwsChunked: modules.decodeAwsChunked,
  };
}

/** The S3Store's private maps, checked so a fauxqs upgrade fails loudly instead of saving nothing. */
export function s3StoreMaps(store: S3Store): S3StoreMaps {
  const maps = store as unknown as Partial<S3StoreMaps>;
  if (!(maps.buckets instanceof Map) || !(maps.bucketCreationDates instanceof Map)) {
    throw new Error(
      "fauxqs internals changed: S3Store has no buckets/bucketCreationDates maps (expected fauxqs 1.9.2)",
    );
  }
  return maps as S3StoreMaps;
}

export { buildApp };
