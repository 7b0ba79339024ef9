export type { Database, DatabaseHandle, SqlClient } from "./database.js";
export { openPglite } from "./pglite.js";
export { openPostgres, type PostgresOptions } from "./postgres.js";
export { MIGRATIONS_FOLDER } from "./migrate.js";
export { redactQueryError } from "./redact.js";
export * as schema from "./schema.js";
