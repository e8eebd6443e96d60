/* Hand-written: the offline `sst install` does not generate this file. Keep the names in step
   with stacks/ (test/infra checks the links). Run `npx sst dev`/`deploy` to regenerate. */
/* eslint-disable */
/* deno-fmt-ignore-file */
import "sst";
declare module "sst" {
  export interface Resource {
    AlertEmail: { type: "sst.sst.Secret"; value: string };
    IngestionBucket: { type: "sst.aws.Bucket"; name: string };
    ProcessedBucket: { type: "sst.aws.Bucket"; name: string };
    SourceDatabaseUrl: { type: "sst.sst.Secret"; value: string };
    TransformQueue: { type: "sst.aws.Queue"; url: string };
    LoadQueue: { type: "sst.aws.Queue"; url: string };
    WarehouseDatabaseUrl: { type: "sst.sst.Secret"; value: string };
    /* A Redshift stage only (stacks/redshift.ts): instead of WarehouseDatabaseUrl. */
    RedshiftWarehouse: {
      type: "sst.sst.Linkable";
      workgroupName?: string;
      clusterIdentifier?: string;
      database: string;
      copyRole: string;
    };
  }
}
export {};
