/**
 * What a CLIP model is, independent of where it was loaded from: vectors made by one model are
 * comparable only with vectors of that same model, so every vector set is keyed by this identity.
 *
 * - A folder: a digest of the files the embedder reads (configuration, tokenizer, preprocessor
 *   and both halves' ONNX files at the configured dtypes). The same files in another folder are
 *   the same model; another dtype or any changed byte is another model.
 * - A hub model: its id and revision (a pinned commit names exact files). A branch such as
 *   `main` can move: deployments pin a commit (VOS_CLIP_REVISION).
 *
 * Hashing a ViT-B/32 export (600 MB) takes about 2 s, so a file's digest is kept in
 * `<cacheDir>/vos-file-digests.json` under its path, size and modification time.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { clipFiles, type ClipDtype } from "./files.js";

export interface ModelIdentity {
  /** The key every vector set of this model is stored under: `sha256:<16 hex>` or `<hub id>@<revision>`. */
  key: string;
  /** A readable name: the folder's name or the hub id, with the dtype when not fp32. */
  name: string;
  /**
   * Keys this model's vectors were stored under before identities existed (the configured
   * folder or hub id): a vector set found under one is adopted as this model's.
   */
  aliases: string[];
}

export interface IdentityOptions {
  model: string;
  /** The hub revision; undefined for a folder. */
  revision: string | undefined;
  /** The folder the files are read from. */
  folder: string;
  textDtype: ClipDtype;
  visionDtype: ClipDtype;
  /** Where file digests are remembered. */
  cacheDir: string;
}

/** Configuration files that shape the vectors as much as the weights do, when present. */
const EXTRA_FILES = ["special_tokens_map.json"];

export async function modelIdentity(options: IdentityOptions): Promise<ModelIdentity> {
  const dtype = options.textDtype === options.visionDtype ? options.textDtype : `${options.textDtype}+${options.visionDtype}`;
  const suffix = dtype === "fp32" ? "" : ` (${dtype})`;
  if (options.revision !== undefined) {
    return { key: `${options.model}@${options.revision}`, name: `${options.model}${suffix}`, aliases: [options.model] };
  }
  const files = [...clipFiles({ halves: ["text", "vision"], textDtype: options.textDtype, visionDtype: options.visionDtype }), ...EXTRA_FILES];
  const hash = createHash("sha256");
  const cache = new DigestCache(path.join(options.cacheDir, "vos-file-digests.json"));
  for (const file of files.sort()) {
    const full = path.join(options.folder, file);
    hash.update(`${file}\0${existsSync(full) ? await cache.digest(full) : "absent"}\n`);
  }
  cache.save();
  return {
    key: `sha256:${hash.digest("hex").slice(0, 16)}`,
    name: `${path.basename(path.resolve(options.folder))}${suffix}`,
    aliases: [...new Set([options.model, path.resolve(options.model)])],
  };
}

interface Entry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** File digests remembered across processes; an unreadable or unwritable cache only costs time. */
class DigestCache {
  private entries: Record<string, Entry>;
  private changed = false;

  constructor(private readonly file: string) {
    try {
      this.entries = JSON.parse(readFileSync(file, "utf8")) as Record<string, Entry>;
    } catch {
      this.entries = {};
    }
  }

  async digest(file: string): Promise<string> {
    const real = realpathSync(file);
    const { size, mtimeMs } = statSync(real);
    const known = this.entries[real];
    if (known && known.size === size && known.mtimeMs === mtimeMs) return known.sha256;
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(real)) hash.update(chunk as Buffer);
    const sha256 = hash.digest("hex");
    this.entries[real] = { size, mtimeMs, sha256 };
    this.changed = true;
    return sha256;
  }

  save(): void {
    if (!this.changed) return;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${process.pid}`;
      writeFileSync(temporary, JSON.stringify(this.entries));
      renameSync(temporary, this.file);
    } catch {
      // a read-only cache: the digests are made again next time
    }
  }
}
