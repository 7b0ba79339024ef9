import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { configDir, privateDir, readJson, writePrivateJson } from "../config-dir.js";

/** A sign-in to one API, as `vos login` stored it. */
export const storedSignIn = z.object({
  apiUrl: z.string(),
  email: z.string(),
  clientId: z.string(),
  endpoint: z.string(),
  accessToken: z.string().min(1),
  idToken: z.string(),
  refreshToken: z.string(),
  expiresAt: z.number(),
});
export type StoredSignIn = z.infer<typeof storedSignIn>;

/** One file per API (its URL hashed into the name), in an owner-only folder. */
export function createTokenStore(env: NodeJS.ProcessEnv = process.env) {
  const dir = path.join(configDir(env), "credentials");
  const fileOf = (apiUrl: string) => path.join(dir, `${createHash("sha256").update(apiUrl).digest("hex").slice(0, 24)}.json`);
  return {
    fileOf,
    async load(apiUrl: string): Promise<StoredSignIn | undefined> {
      const parsed = storedSignIn.safeParse(await readJson(fileOf(apiUrl)));
      return parsed.success && parsed.data.apiUrl === apiUrl ? parsed.data : undefined;
    },
    async save(signIn: StoredSignIn): Promise<string> {
      await privateDir(path.dirname(dir));
      await privateDir(dir);
      await writePrivateJson(fileOf(signIn.apiUrl), signIn);
      return fileOf(signIn.apiUrl);
    },
    /** True when there was a sign-in to delete. */
    async remove(apiUrl: string): Promise<boolean> {
      const existed = (await readJson(fileOf(apiUrl))) !== undefined;
      await rm(fileOf(apiUrl), { force: true });
      return existed;
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;
