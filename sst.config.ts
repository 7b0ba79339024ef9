import type { SSTConfig } from "sst";
import { Api } from "./stacks/Api.js";
import { Auth } from "./stacks/Auth.js";
import { functionBundling } from "./stacks/bundling.js";
import { Database } from "./stacks/Database.js";
import { Intake } from "./stacks/Intake.js";
import { Jobs } from "./stacks/Jobs.js";
import { suppressPlatformFindings } from "./stacks/nag.js";
import { Network } from "./stacks/Network.js";
import { Secrets } from "./stacks/Secrets.js";
import { Storage } from "./stacks/Storage.js";
import { Web } from "./stacks/Web.js";
import { Workers } from "./stacks/Workers.js";

export default {
  config(input) {
    return {
      name: "video-object-search",
      region: input.region ?? "us-east-1",
    };
  },
  async stacks(app) {
    app.setDefaultFunctionProps({
      runtime: "nodejs22.x",
      architecture: "x86_64",
      ...functionBundling(app.mode),
      logRetention: app.stage === "prod" ? "one_month" : "one_week",
    });
    // Every stage but prod can be torn down completely with `sst remove`; prod keeps its data.
    if (app.stage !== "prod") app.setDefaultRemovalPolicy("destroy");

    app.stack(Secrets).stack(Network).stack(Database).stack(Storage).stack(Jobs).stack(Workers).stack(Intake).stack(Auth);
    // Async: a deploy fetches the API's model (see stacks/model-layer.ts) before the function exists.
    await app.stack(Api);
    app.stack(Web);
    suppressPlatformFindings(app);
  },
} satisfies SSTConfig;
