/**
 * Picks the adapter for a configured model and shares loaded models: detectors are memoised per
 * options (like loadClipEmbedder), and detectors that differ only in threshold or cap share one
 * engine (one worker thread holding the model), closed when its last detector closes.
 */
import type { DetectorEngine, EngineHooks } from "./engine.js";
import type { Selection } from "./select.js";
import { resolveDetectorSource } from "./source.js";
import type { DetectorOptions, ObjectDetector } from "./types.js";
import { startWorkerEngine } from "./worker-engine.js";

export const DEFAULT_DETECTOR_MODEL = "centernet";
export const DEFAULT_DETECT_THRESHOLD = 0.3;
export const DEFAULT_MAX_OBJECTS = 10;
const CENTERNET_NAMES = new Set(["centernet", "centernet-coco"]);

interface EngineEntry {
  promise: Promise<DetectorEngine>;
  users: number;
  /** Forgets the memoised detectors built on this engine (it failed: the next load starts afresh). */
  dependents: Set<() => void>;
}
interface DetectorEntry {
  promise: Promise<ObjectDetector>;
}

const engines = new Map<string, EngineEntry>();
const detectors = new Map<string, DetectorEntry>();

/**
 * One load per process and options; a failed load is forgotten so the next call retries, and so is
 * a closed detector. close() closes the detector for everyone who loaded it with these options.
 */
export function loadObjectDetector(options: DetectorOptions): Promise<ObjectDetector> {
  const model = options.model.trim() || DEFAULT_DETECTOR_MODEL;
  const centernet = CENTERNET_NAMES.has(model.toLowerCase());
  let selection: Selection;
  try {
    selection = checkedSelection(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const threads = !centernet && options.threads ? Math.max(1, Math.floor(options.threads)) : undefined;
  const engineKey = JSON.stringify(centernet ? ["centernet"] : [model, threads ?? null]);
  const key = JSON.stringify([engineKey, selection.threshold, selection.maxObjects]);

  const existing = detectors.get(key);
  if (existing) return existing.promise;
  const forget = () => {
    if (detectors.get(key) === entry) detectors.delete(key);
  };
  const startEngine = async (hooks: EngineHooks): Promise<DetectorEngine> => {
    if (centernet) return startWorkerEngine({ kind: "centernet" }, hooks);
    // A missing or incomplete folder fails here at once, before a worker thread is started.
    resolveDetectorSource(model);
    // Loaded only for transformers.js models: the CenterNet path never needs it on this thread.
    const { hubSettings } = await import("./transformers.js");
    return startWorkerEngine({ kind: "transformers", model, hub: await hubSettings(), ...(threads ? { threads } : {}) }, hooks);
  };
  const entry: DetectorEntry = { promise: createDetector(engineKey, selection, forget, startEngine) };
  detectors.set(key, entry);
  entry.promise.catch(forget);
  return entry.promise;
}

function checkedSelection(options: DetectorOptions): Selection {
  const threshold = options.threshold ?? DEFAULT_DETECT_THRESHOLD;
  const maxObjects = options.maxObjects ?? DEFAULT_MAX_OBJECTS;
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) throw new RangeError(`detector threshold ${threshold} is not within 0-1`);
  if (!Number.isInteger(maxObjects) || maxObjects < 0) throw new RangeError(`detector maxObjects ${maxObjects} is not a whole number >= 0`);
  return { threshold, maxObjects };
}

async function createDetector(
  engineKey: string,
  selection: Selection,
  forget: () => void,
  start: (hooks: EngineHooks) => Promise<DetectorEngine>,
): Promise<ObjectDetector> {
  const { engine, release } = await acquireEngine(engineKey, start, forget);
  let closed = false;
  return {
    name: engine.name,
    labels: engine.labels,
    async detect(images) {
      if (closed) throw new Error(`The object detector ${engine.name} was closed.`);
      return engine.detect(images, selection);
    },
    async close() {
      if (closed) return;
      closed = true;
      forget();
      await release();
    },
  };
}

async function acquireEngine(
  key: string,
  start: (hooks: EngineHooks) => Promise<DetectorEngine>,
  dependent: () => void,
): Promise<{ engine: DetectorEngine; release: () => Promise<void> }> {
  let entry = engines.get(key);
  if (!entry) {
    const dependents = new Set<() => void>();
    const evict = () => {
      if (engines.get(key) === created) engines.delete(key);
    };
    const onFailure = () => {
      evict();
      for (const forgetDetector of dependents) forgetDetector();
    };
    const created: EngineEntry = { promise: start({ onFailure }), users: 0, dependents };
    created.promise.catch(evict);
    engines.set(key, created);
    entry = created;
  }
  const held = entry;
  held.users++;
  held.dependents.add(dependent);
  let engine: DetectorEngine;
  try {
    engine = await held.promise;
  } catch (error) {
    held.users--;
    held.dependents.delete(dependent);
    throw error;
  }
  return {
    engine,
    async release() {
      held.dependents.delete(dependent);
      if (--held.users > 0) return;
      if (engines.get(key) === held) engines.delete(key);
      await engine.close();
    },
  };
}
