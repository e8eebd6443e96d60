import { beforeAll, describe, expect, it } from "vitest";
import { bucketArn, grants, T } from "./helpers/graph.js";
import { DATA_API_FOLLOW, DATA_API_SUBMIT, R, redshiftProblems } from "./helpers/redshift-checks.js";
import { named, runApp, SECRETS, type AppRun } from "./helpers/run-app.js";

// A stage that loads Redshift (stacks/settings.ts: WAREHOUSE_BY_STAGE["redshift-preview"] creates
// a Serverless namespace + workgroup): what the graph holds, and that the checker it is held to
// fails on the mutations that matter. A Postgres stage's graph is test/infra/functions.test.ts's.
const STAGE = "redshift-preview";
let run: AppRun;
beforeAll(async () => {
  run = await runApp(STAGE);
}, 120_000);

const mutated = (change: (copy: AppRun) => void): AppRun => {
  const copy = { ...run, resources: structuredClone(run.resources) };
  change(copy);
  return copy;
};

describe("a Redshift stage", () => {
  it("runs without errors inside Pulumi applies", () => {
    expect(run.errors).toEqual([]);
  });

  it("passes every check of the Redshift graph", () => {
    expect(redshiftProblems(run)).toEqual([]);
  });

  it("creates one namespace (the COPY role its default) and one private workgroup of 8 RPUs", () => {
    const namespace = named(run, R.namespace, "RedshiftNamespace");
    const role = named(run, T.role, "RedshiftCopyRole");
    expect(namespace.inputs).toMatchObject({
      namespaceName: "totes-etl-redshift-preview",
      dbName: "warehouse",
      manageAdminPassword: true,
      iamRoles: [role.state.arn],
      defaultIamRoleArn: role.state.arn,
    });
    expect(named(run, R.workgroup, "RedshiftWorkgroup").inputs).toMatchObject({
      namespaceName: "totes-etl-redshift-preview",
      workgroupName: "totes-etl-redshift-preview",
      baseCapacity: 8,
      publiclyAccessible: false,
    });
  });

  it("links load and verify to the warehouse by name, with `IAM_ROLE default` for COPY", () => {
    const links = (fn: string) => run.builds.get(fn)!.input.links;
    expect(Object.keys(links("Load")).sort()).toEqual(["ProcessedBucket", "RedshiftWarehouse"]);
    expect(Object.keys(links("Verify")).sort()).toEqual([
      "ProcessedBucket",
      "RedshiftWarehouse",
      "SourceDatabaseUrl",
    ]);
    expect(links("Load").RedshiftWarehouse).toMatchObject({
      workgroupName: "totes-etl-redshift-preview",
      database: "warehouse",
      copyRole: "default",
    });
  });

  it("lets load and verify use the Data API on the workgroup only, and nothing else new", () => {
    const workgroup = named(run, R.workgroup, "RedshiftWorkgroup").state.arn as string;
    const processed = bucketArn(run, "ProcessedBucket");
    expect(grants(run, "Load")).toMatchObject({
      [workgroup]: [...DATA_API_SUBMIT, "redshift-serverless:GetCredentials"].sort(),
      "*": DATA_API_FOLLOW,
      [processed]: ["s3:*"],
    });
    expect(grants(run, "Verify")).toEqual({
      [workgroup]: [...DATA_API_SUBMIT, "redshift-serverless:GetCredentials"].sort(),
      "*": DATA_API_FOLLOW,
      [processed]: ["s3:*"],
      [`${processed}/*`]: ["s3:*"],
    });
    // Extract and transform never reach the warehouse.
    for (const fn of ["Extract", "Transform"])
      expect(Object.keys(grants(run, fn)), fn).not.toContainEqual(
        expect.stringMatching(/^arn:aws:redshift|^\*$/),
      );
  });

  it("holds no warehouse password: no secret, no admin password, no Postgres URL in any input or bundle", () => {
    expect(run.resources.filter((r) => r.name.includes("WarehouseDatabaseUrl"))).toEqual([]);
    const namespace = named(run, R.namespace, "RedshiftNamespace");
    expect(Object.keys(namespace.inputs).filter((k) => /password/i.test(k))).toEqual(["manageAdminPassword"]);
    for (const resource of run.resources)
      expect(JSON.stringify(resource.inputs), resource.name).not.toContain(SECRETS.WarehouseDatabaseUrl);
    for (const [fn, build] of run.builds) expect(build.code, fn).not.toContain(SECRETS.WarehouseDatabaseUrl);
  });

  it("outputs the COPY role and the workgroup", () => {
    expect(run.outputs).toMatchObject({
      redshiftCopyRole: named(run, T.role, "RedshiftCopyRole").state.arn,
      redshiftWorkgroup: "totes-etl-redshift-preview",
    });
  });
});

describe("the Redshift graph checker catches", () => {
  const copyRole = (r: AppRun) =>
    r.resources.find((x) => x.type === T.role && x.name === "RedshiftCopyRole")!;
  const workgroup = (r: AppRun) => r.resources.find((x) => x.type === R.workgroup)!;
  const policy = (statements: unknown[]) => [
    {
      name: "read-processed-bucket",
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    },
  ];

  it("a COPY role without read on the bucket", () => {
    const problems = redshiftProblems(mutated((r) => void (copyRole(r).inputs.inlinePolicies = [])));
    expect(problems).toEqual([
      expect.stringMatching(/^the COPY role may do \{\}, not exactly read the processed bucket/),
    ]);
  });

  it("a COPY role that may list but not read objects", () => {
    const bucket = bucketArn(run, "ProcessedBucket");
    const problems = redshiftProblems(
      mutated(
        (r) =>
          void (copyRole(r).inputs.inlinePolicies = policy([
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucket] },
          ])),
      ),
    );
    expect(problems).toHaveLength(1);
  });

  it("a COPY role that may read more than the processed bucket", () => {
    const problems = redshiftProblems(
      mutated(
        (r) =>
          void (copyRole(r).inputs.inlinePolicies = policy([
            { Effect: "Allow", Action: ["s3:*"], Resource: ["*"] },
          ])),
      ),
    );
    expect(problems).toEqual([expect.stringContaining('{"*":["s3:*"]}')]);
  });

  it("a public workgroup, or one left to the default", () => {
    expect(redshiftProblems(mutated((r) => void (workgroup(r).inputs.publiclyAccessible = true)))).toEqual([
      "the workgroup is not explicitly private",
    ]);
    expect(redshiftProblems(mutated((r) => void delete workgroup(r).inputs.publiclyAccessible))).toEqual([
      "the workgroup is not explicitly private",
    ]);
  });

  it("a COPY role trusted by Lambda, or not the namespace's default", () => {
    const lambdaTrust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "lambda.amazonaws.com" } },
      ],
    });
    expect(
      redshiftProblems(mutated((r) => void (copyRole(r).inputs.assumeRolePolicy = lambdaTrust))),
    ).toEqual(["the COPY role is not trusted by Redshift alone"]);
    const namespace = (r: AppRun) => r.resources.find((x) => x.type === R.namespace)!;
    expect(
      redshiftProblems(mutated((r) => void (namespace(r).inputs.defaultIamRoleArn = undefined))),
    ).toEqual(["the COPY role is not the namespace's default"]);
  });

  it("an admin password in the graph, or a warehouse secret", () => {
    const namespace = (r: AppRun) => r.resources.find((x) => x.type === R.namespace)!;
    expect(
      redshiftProblems(mutated((r) => void (namespace(r).inputs.adminUserPassword = "hunter2"))),
    ).toEqual(["the namespace is given adminUserPassword"]);
    expect(
      redshiftProblems(
        mutated(
          (r) =>
            void r.resources.push({
              type: "sst:sst:Secret",
              name: "WarehouseDatabaseUrl",
              inputs: {},
              state: {},
            }),
        ),
      ),
    ).toEqual(["a WarehouseDatabaseUrl secret is declared"]);
  });

  it("a function without the Data API on the workgroup", () => {
    const stripped = mutated((r) => {
      const role = r.resources.find((x) => x.type === T.role && x.name === "LoadRole")!;
      const policies = role.inputs.inlinePolicies as { name: string; policy: string }[];
      role.inputs.inlinePolicies = policies.map((p) => {
        const doc = JSON.parse(p.policy) as { Statement: { Action: string[] }[] };
        doc.Statement = doc.Statement.filter((s) => !s.Action.includes("redshift-serverless:GetCredentials"));
        return { ...p, policy: JSON.stringify(doc) };
      });
    });
    expect(redshiftProblems(stripped)).toEqual([
      "Load may not redshift-serverless:GetCredentials on the workgroup",
    ]);
  });
});
