// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- SST declares its globals there
/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    const production = input?.stage === "production";
    return {
      name: "totes-etl",
      // Keep buckets (and the data in them) if production is ever removed; other stages go.
      removal: production ? "retain" : "remove",
      protect: production,
      home: "aws",
      providers: { aws: { region: "eu-west-2" } },
    };
  },
  async run() {
    // Imported here, not at the top: resources may only be created inside run().
    const storage = await import("./stacks/storage");
    const queues = await import("./stacks/queues");
    const functions = await import("./stacks/functions");
    const events = await import("./stacks/events");
    const alerts = await import("./stacks/alerts");
    const { dashboard } = await import("./stacks/dashboard");
    const { redshift } = await import("./stacks/warehouse");

    return {
      ingestionBucket: storage.ingestionBucket.name,
      processedBucket: storage.processedBucket.name,
      transformQueue: queues.transformQueue.url,
      loadQueue: queues.loadQueue.url,
      transformDlq: queues.transformDlq.url,
      loadDlq: queues.loadDlq.url,
      extract: functions.extract.name,
      transform: functions.transform.name,
      load: functions.load.name,
      verify: functions.verify.name,
      extractRequests: events.extractRequests.name,
      alertsTopic: alerts.alerts.arn,
      dashboard: dashboard.dashboardName,
      // Redshift stages only: the role to attach to an existing warehouse, the workgroup created.
      ...(redshift && {
        redshiftCopyRole: redshift.copyRole.arn,
        redshiftWorkgroup: redshift.workgroup?.workgroupName,
      }),
    };
  },
});
