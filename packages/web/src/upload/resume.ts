import type { UploadTarget } from "../api/types";

/** What is needed to resume an upload after a failure or a page reload. */
export interface ResumeRecord {
  /** name:size:lastModified of the file. */
  fingerprint: string;
  videoId: string;
  target: UploadTarget;
  /** ETags of the multipart parts already stored, by part number. */
  etags: Record<number, string>;
  createdAt: number;
}

export interface ResumeStore {
  load(fingerprint: string): ResumeRecord | undefined;
  save(record: ResumeRecord): void;
  remove(fingerprint: string): void;
}

export const fingerprintOf = (file: File) => `${file.name}:${file.size}:${file.lastModified}`;

export function memoryResumeStore(): ResumeStore {
  const records = new Map<string, ResumeRecord>();
  return {
    load: (fingerprint) => records.get(fingerprint),
    save: (record) => void records.set(record.fingerprint, structuredClone(record)),
    remove: (fingerprint) => void records.delete(fingerprint),
  };
}

/** Keeps resume records in localStorage, so choosing the same file after a reload resumes it. */
export function localResumeStore(storage: Storage | undefined = globalThis.localStorage): ResumeStore {
  const key = (fingerprint: string) => `vos.upload.${fingerprint}`;
  return {
    load(fingerprint) {
      try {
        const text = storage?.getItem(key(fingerprint));
        return text ? (JSON.parse(text) as ResumeRecord) : undefined;
      } catch {
        return undefined;
      }
    },
    save(record) {
      try {
        storage?.setItem(key(record.fingerprint), JSON.stringify(record));
      } catch {
        // Storage full or disabled: uploads still work, they just cannot resume after a reload.
      }
    },
    remove(fingerprint) {
      try {
        storage?.removeItem(key(fingerprint));
      } catch {
        // As above.
      }
    },
  };
}
