// A Redshift warehouse for a stage (settings.ts, WAREHOUSE_BY_STAGE): the COPY role, the
// Serverless namespace and private workgroup when the stage creates them, and the link through
// which the load and verify functions reach it with the Data API. No database password is
// created, stored or linked: the functions' database users derive from their IAM roles.
import { serverlessName, type RedshiftChoice } from "./settings";

/** What a function linked to the warehouse sees as `Resource.RedshiftWarehouse`. */
export type RedshiftLinkProperties =
  | { workgroupName: $util.Input<string>; database: string; copyRole: $util.Input<string> }
  | { clusterIdentifier: string; database: string; copyRole: $util.Input<string> };

/** The Data API actions a function runs; the last three act only on the caller's own statements. */
const SUBMIT = ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"];
const FOLLOW = [
  "redshift-data:DescribeStatement",
  "redshift-data:GetStatementResult",
  "redshift-data:CancelStatement",
];

export function redshiftWarehouse(choice: RedshiftChoice, processedBucket: sst.aws.Bucket) {
  const copyRole = copyRoleFor(processedBucket);
  const { accountId } = aws.getCallerIdentityOutput();
  const { name: region } = aws.getRegionOutput();

  if ("cluster" in choice) {
    const link = new sst.Linkable<RedshiftLinkProperties>("RedshiftWarehouse", {
      properties: { clusterIdentifier: choice.cluster, database: choice.database, copyRole: copyRole.arn },
      include: [
        sst.aws.permission({
          actions: SUBMIT,
          resources: [$interpolate`arn:aws:redshift:${region}:${accountId}:cluster:${choice.cluster}`],
        }),
        sst.aws.permission({ actions: FOLLOW, resources: ["*"] }),
        // Without a DbUser the Data API signs in as the IAM identity's own database user.
        sst.aws.permission({
          actions: ["redshift:GetClusterCredentialsWithIAM"],
          resources: [
            $interpolate`arn:aws:redshift:${region}:${accountId}:dbname:${choice.cluster}/${choice.database}`,
          ],
        }),
      ],
    });
    return { copyRole, link, workgroup: undefined, namespace: undefined };
  }

  let workgroupName: $util.Input<string>;
  let workgroupArn: $util.Input<string>;
  let namespace: aws.redshiftserverless.Namespace | undefined;
  let workgroup: aws.redshiftserverless.Workgroup | undefined;
  const database = "serverless" in choice ? choice.serverless.database : choice.database;
  if ("serverless" in choice) {
    const name = serverlessName($app.name, $app.stage);
    namespace = new aws.redshiftserverless.Namespace("RedshiftNamespace", {
      namespaceName: name,
      dbName: database,
      // The owner's admin password is generated and kept by Redshift in Secrets Manager; it never
      // passes through this app, its state or its functions. The owner uses it for the one-time
      // grants (docs/deploy.md).
      adminUsername: "totes_owner",
      manageAdminPassword: true,
      // The COPY role is the default, so the load's SQL says `IAM_ROLE default`; Redshift
      // requires the default role to be among the namespace's roles.
      iamRoles: [copyRole.arn],
      defaultIamRoleArn: copyRole.arn,
    });
    workgroup = new aws.redshiftserverless.Workgroup("RedshiftWorkgroup", {
      namespaceName: namespace.namespaceName,
      workgroupName: name,
      baseCapacity: choice.serverless.baseCapacity,
      // The Data API needs no network path to the workgroup: nothing is exposed.
      publiclyAccessible: false,
    });
    workgroupName = workgroup.workgroupName;
    workgroupArn = workgroup.arn;
  } else {
    workgroupName = choice.workgroup;
    workgroupArn = aws.redshiftserverless.getWorkgroupOutput({ workgroupName: choice.workgroup }).arn;
  }

  const link = new sst.Linkable<RedshiftLinkProperties>("RedshiftWarehouse", {
    properties: { workgroupName, database, copyRole: "serverless" in choice ? "default" : copyRole.arn },
    include: [
      sst.aws.permission({ actions: SUBMIT, resources: [workgroupArn] }),
      sst.aws.permission({ actions: FOLLOW, resources: ["*"] }),
      sst.aws.permission({ actions: ["redshift-serverless:GetCredentials"], resources: [workgroupArn] }),
    ],
  });
  return { copyRole, link, namespace, workgroup };
}

/**
 * The role Redshift assumes to COPY from S3: trusted by Redshift alone, and able to list and read
 * the processed bucket and nothing else. An existing warehouse must have it attached by its
 * owner (docs/deploy.md); a created namespace has it as its default role.
 */
function copyRoleFor(processedBucket: sst.aws.Bucket) {
  return new aws.iam.Role("RedshiftCopyRole", {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "redshift.amazonaws.com" } },
      ],
    }),
    inlinePolicies: [
      {
        name: "read-processed-bucket",
        policy: $jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [processedBucket.arn] },
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: [$interpolate`${processedBucket.arn}/*`] },
          ],
        }),
      },
    ],
  });
}
