/**
 * Deploy-time script: applies the drizzle migrations to the database before the new code serves
 * traffic. Applying them again changes nothing.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createLogger, setLogLevel } from "@vos/core";
import { loadCloudConfig, migrateCloudDatabase } from "@vos/core/runtime/cloud";

export async function handler(): Promise<{ migrated: true }> {
  const config = loadCloudConfig(process.env, "migrate");
  setLogLevel(config.logLevel);
  const started = Date.now();
  await migrateCloudDatabase(config.database!, () => new SecretsManagerClient({ region: config.region }));
  createLogger({ function: "migrate" }).info("migrations applied", { ms: Date.now() - started });
  return { migrated: true };
}
