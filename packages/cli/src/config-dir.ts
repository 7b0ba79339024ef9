import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";

const WINDOWS = process.platform === "win32";

/**
 * The user's folder for the CLI's own state (sign-ins, unfinished uploads): VOS_CONFIG_DIR, else
 * $XDG_CONFIG_HOME/vos, else ~/.config/vos (%APPDATA%\vos on Windows).
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VOS_CONFIG_DIR?.trim()) return path.resolve(env.VOS_CONFIG_DIR.trim());
  if (WINDOWS && env.APPDATA?.trim()) return path.join(env.APPDATA.trim(), "vos");
  if (env.XDG_CONFIG_HOME?.trim()) return path.join(env.XDG_CONFIG_HOME.trim(), "vos");
  return path.join(homedir(), ".config", "vos");
}

/** A folder only its owner can open (0700; Windows keeps its own access lists). */
export async function privateDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // An existing folder keeps whatever mode it had: narrow it.
  if (!WINDOWS) await chmod(dir, 0o700);
  return dir;
}

/**
 * Writes `value` as JSON readable by its owner only (0600), whole or not at all: a temporary
 * file renamed over the old one, so a killed process never leaves half a file.
 */
export async function writePrivateJson(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify(value, null, 2) + "\n", { mode: 0o600, flag: "wx" });
    if (!WINDOWS) await chmod(temporary, 0o600);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The parsed file, or undefined when it is missing or not JSON (a stale or hand-broken file). */
export async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch {
    return undefined;
  }
}
