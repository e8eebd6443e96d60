import { bucketArn, roleStatements, T, type PolicyStatement } from "./graph.js";
import { ofType, type AppRun } from "./run-app.js";

/**
 * What a Redshift stage's graph must hold, as a list of problems (empty when it holds). Used on
 * the real graph, and on mutated copies to show each property is checked, not assumed.
 */

export const R = {
  namespace: "aws:redshiftserverless/namespace:Namespace",
  workgroup: "aws:redshiftserverless/workgroup:Workgroup",
} as const;

export const DATA_API_SUBMIT = ["redshift-data:BatchExecuteStatement", "redshift-data:ExecuteStatement"];
export const DATA_API_FOLLOW = [
  "redshift-data:CancelStatement",
  "redshift-data:DescribeStatement",
  "redshift-data:GetStatementResult",
];

function inlineStatements(role: { inputs: Record<string, unknown> }): PolicyStatement[] {
  const policies = (role.inputs.inlinePolicies ?? []) as { policy?: string }[];
  return policies.flatMap(
    (p) => (JSON.parse(p.policy ?? "{}") as { Statement?: PolicyStatement[] }).Statement ?? [],
  );
}

/** Actions by resource, whatever way the statements were split. */
function byResource(statements: PolicyStatement[]) {
  const map: Record<string, string[]> = {};
  for (const s of statements)
    for (const r of [s.Resource].flat())
      map[r] = [...new Set([...(map[r] ?? []), ...[s.Action].flat()])].sort();
  return map;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function redshiftProblems(run: AppRun, functions: readonly string[] = ["Load", "Verify"]): string[] {
  const problems: string[] = [];
  const namespaces = ofType(run, R.namespace);
  const workgroups = ofType(run, R.workgroup);
  if (namespaces.length !== 1) problems.push(`${namespaces.length} namespaces, expected 1`);
  if (workgroups.length !== 1) problems.push(`${workgroups.length} workgroups, expected 1`);
  const namespace = namespaces[0];
  const workgroup = workgroups[0];

  if (workgroup) {
    if (workgroup.inputs.publiclyAccessible !== false)
      problems.push("the workgroup is not explicitly private");
    if (namespace && workgroup.inputs.namespaceName !== namespace.state.namespaceName)
      problems.push("the workgroup is not in the namespace");
    if (Number(workgroup.inputs.baseCapacity) < 8) problems.push("baseCapacity below 8 RPUs");
  }

  const copyRoles = ofType(run, T.role).filter((r) => r.name === "RedshiftCopyRole");
  const copyRole = copyRoles[0];
  if (!copyRole) problems.push("no COPY role");
  else {
    const trust = JSON.parse(copyRole.inputs.assumeRolePolicy as string) as unknown;
    const redshiftOnly = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "redshift.amazonaws.com" } },
      ],
    };
    if (!same(trust, redshiftOnly)) problems.push("the COPY role is not trusted by Redshift alone");
    const bucket = bucketArn(run, "ProcessedBucket");
    const expected = { [bucket]: ["s3:ListBucket"], [`${bucket}/*`]: ["s3:GetObject"] };
    const granted = byResource(inlineStatements(copyRole));
    if (!same(granted, expected))
      problems.push(`the COPY role may do ${JSON.stringify(granted)}, not exactly read the processed bucket`);
    if ((copyRole.inputs.managedPolicyArns as unknown[] | undefined)?.length)
      problems.push("the COPY role has managed policies");
    const arn = copyRole.state.arn;
    if (namespace) {
      if (namespace.inputs.defaultIamRoleArn !== arn)
        problems.push("the COPY role is not the namespace's default");
      if (!((namespace.inputs.iamRoles ?? []) as unknown[]).includes(arn))
        problems.push("the COPY role is not among the namespace's roles");
    }
  }

  if (namespace) {
    for (const key of ["adminUserPassword", "adminUserPasswordWo"])
      if (namespace.inputs[key] !== undefined) problems.push(`the namespace is given ${key}`);
  }

  const workgroupArn = workgroup?.state.arn as string | undefined;
  for (const fn of functions) {
    const granted = byResource(roleStatements(run, fn));
    if (!workgroupArn) continue;
    const onWorkgroup = granted[workgroupArn] ?? [];
    for (const action of [...DATA_API_SUBMIT, "redshift-serverless:GetCredentials"])
      if (!onWorkgroup.includes(action)) problems.push(`${fn} may not ${action} on the workgroup`);
    for (const action of DATA_API_FOLLOW)
      if (!(granted["*"] ?? []).includes(action)) problems.push(`${fn} may not ${action}`);
  }

  if (run.resources.some((r) => r.name === "WarehouseDatabaseUrl"))
    problems.push("a WarehouseDatabaseUrl secret is declared");
  return problems;
}
