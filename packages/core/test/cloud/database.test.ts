import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { databaseUrl, openCloudDatabase } from "../../src/runtime/cloud/database.js";
import { openTestDatabase, type TestDatabase } from "./support/cloud-env.js";

// Secrets Manager has no local emulator here: the SDK client is mocked at its transport.
const secretsMock = mockClient(SecretsManagerClient);
const secrets = () => new SecretsManagerClient({ region: "us-east-1" });
const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:vos-db-AbCdEf";
let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  secretsMock.restore();
  await database.close();
});
beforeEach(() => secretsMock.reset());

describe("cloud database", () => {
  it("builds the connection URL from RDS's secret, escaping the password, with TLS", async () => {
    secretsMock.on(GetSecretValueCommand, { SecretId: arn }).resolves({
      SecretString: JSON.stringify({ engine: "postgres", host: "vos.abc.eu-west-1.rds.amazonaws.com", port: 5432, username: "vos_admin", password: "p@ss/w:rd%#?", dbname: "vos" }),
    });
    const url = new URL(await databaseUrl({ kind: "secret", secretArn: arn, ssl: "require" }, secrets));
    expect(url.hostname).toBe("vos.abc.eu-west-1.rds.amazonaws.com");
    expect(url.port).toBe("5432");
    expect(decodeURIComponent(url.password)).toBe("p@ss/w:rd%#?");
    expect(url.pathname).toBe("/vos");
    expect(url.searchParams.get("sslmode")).toBe("require");
  });

  it("connects with the secret's credentials", async () => {
    const target = new URL(database.url);
    secretsMock.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ host: target.hostname, port: Number(target.port), username: decodeURIComponent(target.username), password: decodeURIComponent(target.password), dbname: target.pathname.slice(1) }),
    });
    const handle = await openCloudDatabase({ kind: "secret", secretArn: arn, ssl: "disable" }, { secrets, poolSize: 1 });
    try {
      const rows = await handle.db.execute(sql`select count(*)::int as n from job`);
      expect(rows).toBeDefined();
    } finally {
      await handle.close();
    }
  });

  it("says which secret is wrong when it cannot be read or parsed", async () => {
    secretsMock.on(GetSecretValueCommand).rejects(Object.assign(new Error("User is not authorized to perform secretsmanager:GetSecretValue"), { name: "AccessDeniedException" }));
    await expect(databaseUrl({ kind: "secret", secretArn: arn, ssl: "require" }, secrets)).rejects.toMatchObject({
      code: "config.database_secret",
      message: expect.stringContaining("not authorized"),
    });
    secretsMock.reset();
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: "not json" });
    await expect(databaseUrl({ kind: "secret", secretArn: arn, ssl: "require" }, secrets)).rejects.toMatchObject({
      code: "config.database_secret",
      message: expect.stringContaining("VOS_DATABASE_SECRET_ARN"),
    });
  });
});
