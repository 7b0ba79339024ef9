/**
 * Who may call what: the user pool and the gateway's authorizer, least privilege in every IAM
 * policy of the app, and no secret value in any template.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPEN_ROUTES } from "../Api.js";
import { PLANTED_PINECONE_KEY, asList, resourceNamed, resourcesOf, type SynthesizedApp } from "./support/synth.js";
import { sharedSynthesis } from "./support/shared.js";

let app: SynthesizedApp;
beforeAll(async () => {
  app = await sharedSynthesis("dev");
}, 300_000);
afterAll(() => app?.cleanup());

describe("sign-in", () => {
  it("admits only admin-created users, by email, with strong passwords and optional TOTP", () => {
    const pool = resourceNamed(app.stack("Auth"), "AWS::Cognito::UserPool", "Users").resource.Properties;
    expect(pool.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    expect(pool.UsernameAttributes).toEqual(["email"]);
    expect(pool.Policies.PasswordPolicy).toMatchObject({ RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true });
    expect(pool.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
    expect(pool).toMatchObject({ MfaConfiguration: "OPTIONAL", EnabledMfas: ["SOFTWARE_TOKEN_MFA"] });
    // The tenant an admin sets at creation never changes.
    expect(pool.Schema).toContainEqual(expect.objectContaining({ Name: "tenant", AttributeDataType: "String", Mutable: false }));
  });

  it("gives the web app a public client: no secret, password and SRP sign-in, refresh, no hosted redirects", () => {
    const client = resourceNamed(app.stack("Auth"), "AWS::Cognito::UserPoolClient", "UsersWeb").resource.Properties;
    expect(client.GenerateSecret).toBe(false);
    expect([...client.ExplicitAuthFlows].sort()).toEqual(["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]);
    expect(client.PreventUserExistenceErrors).toBe("ENABLED");
    expect(client.AllowedOAuthFlows).toBeUndefined();
    expect(client.CallbackURLs).toBeUndefined();
    expect(client.WriteAttributes).not.toContain("custom:tenant");
    const minutes = { minutes: 1, hours: 60, days: 24 * 60 } as Record<string, number>;
    const validity = (name: string) => (client[`${name}Validity`] as number) * minutes[client.TokenValidityUnits[name] as string]!;
    expect(validity("AccessToken")).toBe(60);
    expect(validity("IdToken")).toBe(60);
    expect(validity("RefreshToken")).toBe(30 * 24 * 60);
  });

  it("puts the user pool authorizer on the catch-all route, and none on the open routes", () => {
    const api = app.stack("Api");
    const authorizer = resourceNamed(api, "AWS::ApiGatewayV2::Authorizer", "Apiusers");
    expect(authorizer.resource.Properties).toMatchObject({ AuthorizerType: "JWT", IdentitySource: ["$request.header.Authorization"] });
    const jwt = JSON.stringify(authorizer.resource.Properties.JwtConfiguration);
    expect(jwt).toContain("https://cognito-idp.us-east-1.amazonaws.com/");
    expect(jwt).toMatch(/ExportsOutputRefUsers[0-9A-F]{8}/);
    expect(jwt).toMatch(/ExportsOutputRefUsersWeb[0-9A-F]{8}/);
    const routes = Object.fromEntries(resourcesOf(app, "AWS::ApiGatewayV2::Route").map((r) => [r.resource.Properties.RouteKey as string, r.resource.Properties]));
    expect(routes["ANY /{proxy+}"]).toMatchObject({ AuthorizationType: "JWT", AuthorizerId: { Ref: authorizer.logicalId } });
    for (const open of OPEN_ROUTES) {
      expect(routes[open]?.AuthorizationType, open).toBe("NONE");
      expect(routes[open]?.Target, open).toBeDefined();
    }
  });

  it("tells the API function which issuer and client to trust, and lets the app check tokens itself", () => {
    const env = resourceNamed(app.stack("Api"), "AWS::Lambda::Function", "Handler").resource.Properties.Environment.Variables;
    expect(JSON.stringify(env.VOS_AUTH_ISSUER)).toContain("https://cognito-idp.us-east-1.amazonaws.com/");
    expect(JSON.stringify(env.VOS_AUTH_CLIENT_ID)).toMatch(/ExportsOutputRefUsersWeb/);
    // Sign-in is on: nothing turns it off on AWS.
    expect(env.VOS_AUTH).toBeUndefined();
  });

  it("lets the user pool go with a development stage", () => {
    expect(resourceNamed(app.stack("Auth"), "AWS::Cognito::UserPool", "Users").resource.DeletionPolicy).toBe("Delete");
  });
});

/** Identity policy statements of every role, user and managed policy in the app. */
function identityStatements() {
  return app.stacks.flatMap((stack) =>
    Object.entries(stack.json.Resources).flatMap(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      const documents =
        resource.Type === "AWS::IAM::Policy" || resource.Type === "AWS::IAM::ManagedPolicy"
          ? [properties.PolicyDocument]
          : resource.Type === "AWS::IAM::Role"
            ? ((properties.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []).map((p) => p.PolicyDocument)
            : [];
      return documents.flatMap((document) =>
        ((document as { Statement: Array<Record<string, any>> }).Statement ?? []).map((statement) => ({ where: `${stack.id}/${logicalId}`, statement })),
      );
    }),
  );
}

/**
 * Actions granted on any resource, each because it names none (or names what it touches only at
 * run time), and who needs it.
 */
const ON_ANY_RESOURCE: Record<string, string> = {
  "xray:PutTraceSegments": "X-Ray tracing of every function; no resource-level permissions",
  "xray:PutTelemetryRecords": "X-Ray tracing of every function; no resource-level permissions",
  "logs:PutRetentionPolicy": "CDK's log-retention handler: log groups Lambda names at run time",
  "logs:DeleteRetentionPolicy": "CDK's log-retention handler: log groups Lambda names at run time",
  "ecr:GetAuthorizationToken": "pulling worker images; no resource-level permissions",
  "ecs:ListTasks": "the dispatcher counts running tasks; limited to the cluster by condition",
  "ecs:Poll": "GPU container instances' agent; limited to the cluster by condition",
  "ecs:StartTelemetrySession": "GPU container instances' agent; limited to the cluster by condition",
  "ecs:DiscoverPollEndpoint": "GPU container instances' agent; no resource-level permissions",
  "logs:CreateLogStream": "GPU container instances' agent logs (CDK's ECS instance role)",
  "logs:PutLogEvents": "GPU container instances' agent logs (CDK's ECS instance role)",
};
/** Wildcard actions, each within one service's narrow family and on named resources. */
const WILDCARD_ACTIONS = new Set(["ecs:Submit*"]);
const CLUSTER_CONDITION = new Set(["ecs:ListTasks", "ecs:Poll", "ecs:StartTelemetrySession"]);

describe("least privilege", () => {
  it("finds the policies it checks", () => {
    expect(identityStatements().length).toBeGreaterThan(30);
  });

  it("grants Resource * only for the listed actions, conditioned to the cluster where the action allows it", () => {
    const unexpected: string[] = [];
    for (const { where, statement } of identityStatements()) {
      if (statement.Effect !== "Allow" || !asList(statement.Resource).includes("*")) continue;
      for (const action of asList(statement.Action) as string[]) {
        if (!(action in ON_ANY_RESOURCE)) unexpected.push(`${where}: ${action} on *`);
        if (CLUSTER_CONDITION.has(action) && !statement.Condition?.ArnEquals?.["ecs:cluster"]) unexpected.push(`${where}: ${action} without the cluster condition`);
      }
    }
    expect(unexpected).toEqual([]);
  });

  it("grants no wildcard action (no *, no s3:* or sqs:*) beyond the listed ones, and never NotAction", () => {
    const unexpected: string[] = [];
    for (const { where, statement } of identityStatements()) {
      if (statement.NotAction || statement.NotResource) unexpected.push(`${where}: NotAction/NotResource`);
      for (const action of asList(statement.Action) as string[]) {
        if (action.includes("*") && !WILDCARD_ACTIONS.has(action)) unexpected.push(`${where}: ${action}`);
        if (WILDCARD_ACTIONS.has(action) && asList(statement.Resource).includes("*")) unexpected.push(`${where}: ${action} on *`);
      }
    }
    expect(unexpected).toEqual([]);
  });
});

/** Statements of resource policies (buckets, queues, topics, keys), with where they are. */
function resourceStatements() {
  const kinds: Record<string, string> = {
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
  };
  return Object.entries(kinds).flatMap(([type, field]) =>
    resourcesOf(app, type).flatMap((r) =>
      asList(r.resource.Properties[field]?.Statement as Array<Record<string, any>>).map((statement) => ({ where: `${r.stack}/${r.logicalId}`, type, statement })),
    ),
  );
}

const isPublic = (principal: unknown) => principal === "*" || asList((principal as { AWS?: unknown })?.AWS).includes("*");

describe("resource policies", () => {
  it("open nothing to the public: an Allow to every principal is held to this account or a service by condition", () => {
    const statements = resourceStatements();
    expect(statements.length).toBeGreaterThan(3);
    const open = statements
      .filter(({ statement }) => statement.Effect === "Allow" && isPublic(statement.Principal))
      .filter(({ statement }) => !/aws:(SourceAccount|SourceArn|PrincipalAccount|SourceOwner)|kms:(CallerAccount|ViaService)/.test(JSON.stringify(statement.Condition ?? {})))
      .map(({ where, statement }) => `${where}: ${JSON.stringify(statement.Action)}`);
    expect(open).toEqual([]);
  });

  it("make every bucket refuse requests that are not over TLS", () => {
    const buckets = resourcesOf(app, "AWS::S3::Bucket").map((r) => r.logicalId);
    expect(buckets.length).toBeGreaterThanOrEqual(3);
    const policies = resourceStatements().filter(({ type }) => type === "AWS::S3::BucketPolicy");
    const tlsOnly = policies.filter(
      ({ statement }) => statement.Effect === "Deny" && statement.Condition?.Bool?.["aws:SecureTransport"] === "false" && isPublic(statement.Principal),
    );
    const covered = new Set(tlsOnly.map(({ statement }) => JSON.stringify(statement.Resource)));
    const policyCount = resourcesOf(app, "AWS::S3::BucketPolicy").length;
    expect(policyCount).toBe(buckets.length);
    expect(covered.size).toBe(buckets.length);
  });
});

/** Property names that would hold a secret value. */
const SECRET_NAME = /passw(or)?d|passphrase|secret|token|api_?key|credential/i;

/** String literals under secret-like property names, with where they are. */
function secretLikeLiterals(value: unknown, where: string, out: Array<{ where: string; name: string; value: string }> = []) {
  if (Array.isArray(value)) value.forEach((item, i) => secretLikeLiterals(item, `${where}[${i}]`, out));
  else if (value && typeof value === "object") {
    for (const [name, child] of Object.entries(value)) {
      if (typeof child === "string" && SECRET_NAME.test(name)) out.push({ where: `${where}/${name}`, name, value: child });
      secretLikeLiterals(child, `${where}/${name}`, out);
    }
  }
  return out;
}

/** The literals those names may hold: placeholders and settings, never a value to keep secret. */
const HARMLESS: Array<[RegExp, RegExp]> = [
  [/^SST_Secret_value_/, /^__FETCH_FROM_SSM__$/], // SST fetches the bound secret from SSM at cold start
  [/^HttpTokens$/, /^required$/], // IMDSv2 only
  [/^(AccessToken|IdToken|RefreshToken)$/, /^(seconds|minutes|hours|days)$/], // token validity units
  [/^SecretStringTemplate$/, /^\{"username":"[a-z]+"\}$/], // the generated secret's user name; the password is generated by AWS
];

describe("secrets", () => {
  it("never writes the planted Pinecone key anywhere, in any stack", () => {
    for (const stack of app.stacks) expect(JSON.stringify(stack.json), stack.name).not.toContain(PLANTED_PINECONE_KEY);
  });

  it("keeps no password-like literal in any template", () => {
    const found = app.stacks.flatMap((stack) => secretLikeLiterals(stack.json.Resources, stack.id));
    expect(found.length).toBeGreaterThan(0); // the placeholders above, at least
    const suspicious = found.filter(({ name, value }) => !HARMLESS.some(([names, values]) => names.test(name) && values.test(value)));
    expect(suspicious).toEqual([]);
  });

  it("gives the database its password from Secrets Manager at deploy time, generated by AWS", () => {
    const instance = resourceNamed(app.stack("Database"), "AWS::RDS::DBInstance", "Postgres").resource.Properties;
    expect(JSON.stringify(instance.MasterUserPassword)).toMatch(/^\{"Fn::Join":\["",\["\{\{resolve:secretsmanager:/);
    for (const secret of resourcesOf(app, "AWS::SecretsManager::Secret")) {
      expect(secret.resource.Properties.SecretString, secret.logicalId).toBeUndefined();
      expect(secret.resource.Properties.GenerateSecretString?.GenerateStringKey, secret.logicalId).toBe("password");
    }
  });

  it("passes containers secret names and ARNs only, never values", () => {
    const tasks = resourcesOf(app, "AWS::ECS::TaskDefinition");
    expect(tasks.length).toBeGreaterThan(0);
    for (const task of tasks) {
      for (const container of task.resource.Properties.ContainerDefinitions as Array<Record<string, any>>) {
        for (const secret of container.Secrets ?? []) {
          expect(Object.keys(secret).sort()).toEqual(["Name", "ValueFrom"]);
          expect(JSON.stringify(secret.ValueFrom)).toMatch(/arn:|"Ref"|Fn::GetAtt|Fn::ImportValue/);
        }
        for (const variable of container.Environment ?? []) {
          if (SECRET_NAME.test(variable.Name)) expect(variable.Name, task.logicalId).toMatch(/_ARN$/);
        }
      }
    }
  });
});
