import { fileURLToPath } from "node:url";

/** drizzle-kit writes migrations beside the package; both drivers apply the same folder. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../migrations", import.meta.url));
