/** Plausible cloud-side outputs for the resources the app creates, so ARNs and names resolve. */

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-2";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  id?: string;
}

interface MockCallArgs {
  token: string;
  inputs: Record<string, unknown>;
}

type Statement = {
  effect?: string;
  actions?: string[];
  resources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  conditions?: unknown[];
};

/** Renders getPolicyDocument's input as the JSON AWS would get, so tests can read the policies. */
function policyJson(statements: Statement[] = []) {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: statements.map((s) => ({
      Effect: s.effect ?? "Allow",
      Action: s.actions ?? [],
      Resource: s.resources ?? [],
      ...(s.principals
        ? { Principal: Object.fromEntries(s.principals.map((p) => [p.type, p.identifiers])) }
        : {}),
      ...(s.conditions ? { Condition: s.conditions } : {}),
    })),
  });
}

function outputsFor(type: string, name: string, inputs: Record<string, unknown>) {
  const physical = typeof inputs.name === "string" ? inputs.name : `${name}-mock`;
  switch (type) {
    case "aws:sqs/queue:Queue":
      return {
        name: physical,
        arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${physical}`,
        url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physical}`,
      };
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2": {
      const bucket = typeof inputs.bucket === "string" ? inputs.bucket : physical.toLowerCase();
      return { bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com` };
    }
    case "aws:lambda/function:Function":
      return { name: physical, arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}` };
    case "aws:iam/role:Role":
      return { name: physical, arn: `arn:aws:iam::${ACCOUNT}:role/${physical}` };
    case "aws:sns/topic:Topic":
      return { name: physical, arn: `arn:aws:sns:${REGION}:${ACCOUNT}:${physical}` };
    case "random:index/randomBytes:RandomBytes":
      return { base64: Buffer.from("not-a-real-key-not-a-real-key!!!").toString("base64"), hex: "00" };
    default: {
      const service = type.split(":")[1]?.split("/")[0] ?? "mock";
      return { name: physical, arn: `arn:aws:${service}:${REGION}:${ACCOUNT}:${physical}` };
    }
  }
}

/** How Pulumi marks a secret value in serialized properties. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";

/** The inputs with Pulumi's secret wrappers removed, so tests read plain values. */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG] === SECRET_MARK) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** Pulumi mocks that record every resource registered. */
export function createMocks(resources: RecordedResource[]) {
  return {
    newResource(args: MockResourceArgs) {
      const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
      const state = { ...inputs, ...outputsFor(args.type, args.name, inputs) };
      resources.push({ type: args.type, name: args.name, inputs, state });
      return { id: args.id ?? `${args.name}-id`, state };
    },
    call(args: MockCallArgs): Record<string, unknown> {
      switch (args.token) {
        case "aws:index/getRegion:getRegion":
          return { id: REGION, name: REGION, region: REGION };
        case "aws:index/getPartition:getPartition":
          return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com" };
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return {
            id: ACCOUNT,
            accountId: ACCOUNT,
            arn: `arn:aws:iam::${ACCOUNT}:user/test`,
            userId: "test",
          };
        case "aws:iam/getPolicyDocument:getPolicyDocument":
          return {
            id: "policy",
            statements: args.inputs.statements,
            json: policyJson(args.inputs.statements as Statement[] | undefined),
          };
        default:
          throw new Error(`pulumi mock: unexpected call ${args.token}`);
      }
    },
  };
}
