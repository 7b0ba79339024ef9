import path from "node:path";

/**
 * The synthesized apps the stack tests share: each is synthesized once per test run, in the
 * background, by the stacks project's global setup (./global-setup.ts), and every test file reads
 * its templates from there. A test that needs another stage or mode adds it here.
 */
export const SHARED_SYNTHESES = {
  dev: { stage: "dev" },
  prod: { stage: "prod" },
} as const satisfies Record<string, SharedSynthesis>;

export type SharedSynthesisName = keyof typeof SHARED_SYNTHESES;

export interface SharedSynthesis {
  stage: string;
  mode?: "deploy" | "dev";
  /** cdk-nag's checks (default on). */
  nag?: boolean;
}

/** The files of one shared synthesis inside the run's folder. */
export function sharedSynthesisFiles(dir: string, name: string) {
  return {
    outdir: path.join(dir, name),
    done: path.join(dir, `${name}.done`),
    failed: path.join(dir, `${name}.failed`),
    log: path.join(dir, `${name}.log`),
  };
}
