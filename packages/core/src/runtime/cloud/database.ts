import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { z } from "zod";
import type { DatabaseHandle } from "../../db/database.js";
import { openPostgres } from "../../db/postgres.js";
import { VisibleError } from "../../error.js";
import { redactSecret } from "../../log.js";
import type { DatabaseSource } from "./config.js";

/** The JSON RDS writes into the secret it generates for a database. */
const RdsSecret = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535).default(5432),
  username: z.string().min(1),
  password: z.string(),
  dbname: z.string().min(1).default("postgres"),
});

/**
 * Connections per process. A Lambda instance serves one request at a time, so one connection is
 * enough and keeps RDS's connection count equal to the functions' concurrency; a worker task
 * overlaps progress writes with batch commits, so it gets a few.
 */
export const POOL_SIZE = { lambda: 1, task: 4 } as const;

/** Builds the connection URL: as given, or from the RDS secret (read once, at start-up). */
export async function databaseUrl(source: DatabaseSource, secrets: () => SecretsManagerClient): Promise<string> {
  if (source.kind === "url") return source.url;
  let text: string | undefined;
  try {
    text = (await secrets().send(new GetSecretValueCommand({ SecretId: source.secretArn }))).SecretString;
  } catch (error) {
    throw new VisibleError(
      "config.database_secret",
      `Cannot read the database secret ${source.secretArn} (VOS_DATABASE_SECRET_ARN): ${error instanceof Error ? error.message : String(error)}`,
      503,
      false,
    );
  }
  let secret: z.infer<typeof RdsSecret>;
  try {
    secret = RdsSecret.parse(JSON.parse(text ?? ""));
  } catch {
    throw new VisibleError(
      "config.database_secret",
      `The database secret ${source.secretArn} (VOS_DATABASE_SECRET_ARN) is not RDS's JSON with host, port, username, password and dbname.`,
      503,
      false,
    );
  }
  redactSecret(secret.password);
  const url = new URL("postgres://placeholder");
  url.hostname = secret.host;
  url.port = String(secret.port);
  url.username = encodeURIComponent(secret.username);
  url.password = encodeURIComponent(secret.password);
  url.pathname = `/${encodeURIComponent(secret.dbname)}`;
  if (source.ssl !== "disable") url.searchParams.set("sslmode", source.ssl);
  return url.toString();
}

/**
 * postgres.js to RDS (or any PostgreSQL). Migrations are not applied here: a deploy-time script
 * applies them once (`migrate`), instead of every cold start racing to.
 */
export async function openCloudDatabase(source: DatabaseSource, options: { secrets: () => SecretsManagerClient; poolSize: number; migrate?: boolean }): Promise<DatabaseHandle> {
  return openPostgres(await databaseUrl(source, options.secrets), { max: options.poolSize, migrate: options.migrate ?? false });
}

/** Applies the drizzle migrations (the deploy-time migrate script); safe to run again. */
export async function migrateCloudDatabase(source: DatabaseSource, secrets: () => SecretsManagerClient): Promise<void> {
  const database = await openCloudDatabase(source, { secrets, poolSize: 1, migrate: true });
  await database.close();
}
