import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Aspects } from "aws-cdk-lib";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { AwsSolutionsChecks } from "cdk-nag";
import type { SSTConfig } from "sst";
import { App } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import { OFFLINE_BUNDLE_VARIABLE } from "./bundling.js";

/** The repository root (where sst.config.ts lives). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The account offline synthesis pretends to deploy to; cdk.context.json holds its zones. */
export const OFFLINE_ACCOUNT = "123456789012";

export interface SynthesizeOptions {
  /** SST stage, e.g. dev or prod. */
  stage: string;
  /** "deploy" (`sst deploy`, the default) or "dev" (`sst dev`: Live Lambda stubs, no site). */
  mode?: "deploy" | "dev";
  /** Where the cloud assembly (templates and assets) is written. */
  outdir: string;
  /** Run the cdk-nag AwsSolutions checks (their findings land in each stack's messages). */
  nag?: boolean;
  /**
   * Build the functions as `sst deploy` does, native packages (and the packaged model) included:
   * needs the npm registry. Default: offline, without them (templates are the same).
   */
  deployBundles?: boolean;
  /**
   * Deploy-time settings applied after SST has loaded the `.env` files (undefined removes one),
   * so a caller such as a test decides them regardless of the files.
   */
  env?: Record<string, string | undefined>;
}

function readJson(file: string): Record<string, unknown> {
  const full = path.join(ROOT, file);
  return fs.existsSync(full) ? (JSON.parse(fs.readFileSync(full, "utf8")) as Record<string, unknown>) : {};
}

/**
 * Synthesises the whole SST app without AWS credentials, Docker or network: functions are
 * bundled (without their native packages), the web site packaged, container images only
 * fingerprinted. SST's own `sst build`
 * asks STS for the account first, so this drives the same steps directly. Work files (function
 * bundles, site archives) go under `<outdir>/.sst`, so two synths never share a folder.
 */
export async function synthesize(options: SynthesizeOptions): Promise<CloudAssembly> {
  const previousCwd = process.cwd();
  process.chdir(ROOT);
  try {
    await initProject({ stage: options.stage, root: ROOT });
    // Without the registry, functions are bundled without their native packages (see bundling.ts).
    if (options.deployBundles) delete process.env[OFFLINE_BUNDLE_VARIABLE];
    else process.env[OFFLINE_BUNDLE_VARIABLE] = "1";
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    const project = useProject();
    const work = path.join(path.resolve(previousCwd, options.outdir), ".sst");
    project.paths.out = work;
    project.paths.artifacts = path.join(work, "artifacts");
    fs.mkdirSync(project.paths.artifacts, { recursive: true });

    const config = (await import(pathToFileURL(path.join(ROOT, "sst.config.ts")).href)) as { default: SSTConfig };
    const cdkJson = readJson("cdk.json");
    const context = { ...(cdkJson.context as Record<string, unknown> | undefined), ...readJson("cdk.context.json") };
    const app = new App(
      {
        mode: options.mode ?? "deploy",
        stage: options.stage,
        region: project.config.region ?? "us-east-1",
        account: OFFLINE_ACCOUNT,
        name: project.config.name,
      },
      { outdir: path.resolve(previousCwd, options.outdir), context },
    );
    // `finish()` looks up SST's bootstrap stack (through AWS) to upload source maps unless the app
    // runs under test. The functions here bundle their source maps, so there is nothing to upload
    // and offline synthesis takes the same path as a test run.
    app.isRunningSSTTest = () => true;
    if (options.nag) Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
    await config.default.stacks(app);
    await app.finish();
    return app.synth();
  } finally {
    process.chdir(previousCwd);
  }
}
