import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { useFunctions } from "sst/constructs/Function.js";
import { useProject } from "sst/project.js";
import { useRuntimeHandlers } from "sst/runtime/handlers.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../synthesize.js";
import { UNUSED_DEV_IMAGE } from "../workers/task-definitions.js";
import { asList, resourceNamed, resourcesOf, statementsOfRole, synthesizeForTest, type SynthesizedApp } from "./support/synth.js";

// `sst dev`: the functions are Live Lambda stubs that run the handlers on the developer's machine.
let app: SynthesizedApp;
beforeAll(async () => {
  app = await synthesizeForTest("alice", { mode: "dev", nag: false });
}, 300_000);
let liveArtifacts: string | undefined;
afterAll(() => {
  app?.cleanup();
  if (liveArtifacts) fs.rmSync(liveArtifacts, { recursive: true, force: true });
});

describe("sst dev", () => {
  it("adds a bastion the local functions can tunnel through to the private database", () => {
    const network = app.stack("Network");
    const bastion = resourceNamed(network, "AWS::EC2::Instance", "DevBastion");
    expect(bastion.resource.Properties.InstanceType).toBe("t4g.nano");
    const bastionGroup = resourceNamed(network, "AWS::EC2::SecurityGroup", "DevBastion");
    const database = resourceNamed(network, "AWS::EC2::SecurityGroup", "DatabaseSecurityGroup");
    const ingress = resourcesOf(app, "AWS::EC2::SecurityGroupIngress").filter(
      (r) =>
        JSON.stringify(r.resource.Properties.GroupId) === JSON.stringify({ "Fn::GetAtt": [database.logicalId, "GroupId"] }) &&
        JSON.stringify(r.resource.Properties.SourceSecurityGroupId) === JSON.stringify({ "Fn::GetAtt": [bastionGroup.logicalId, "GroupId"] }),
    );
    expect(ingress).toHaveLength(1);
    expect(ingress[0]?.resource.Properties).toMatchObject({ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432 });
    expect(bastionGroup.resource.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it("keeps the same settings on the live functions, and deploys no site", () => {
    const dispatch = resourceNamed(app.stack("Workers"), "AWS::Lambda::Function", "Dispatch");
    expect(Object.keys(dispatch.resource.Properties.Environment.Variables)).toEqual(expect.arrayContaining(["VOS_ECS_CLUSTER", "VOS_DATABASE_SECRET_ARN"]));
    expect(resourcesOf(app, "AWS::CloudFront::Distribution")).toEqual([]);
  });

  it("runs jobs as worker processes on the developer's machine, with the worker's permissions and no image build", () => {
    const workers = app.stack("Workers");
    const dispatch = resourceNamed(workers, "AWS::Lambda::Function", "Dispatch");
    const variables = dispatch.resource.Properties.Environment.Variables as Record<string, unknown>;
    expect(variables.VOS_DEV_WORKERS).toBe("local");
    // Bound to the Pinecone key as task-events is (SST names the variable).
    const bound = Object.keys(resourceNamed(workers, "AWS::Lambda::Function", "TaskEvents").resource.Properties.Environment.Variables).filter((name) => name.includes("PINECONE_API_KEY"));
    expect(bound.length).toBeGreaterThan(0);
    expect(Object.keys(variables)).toEqual(expect.arrayContaining(["VOS_ALERTS_TOPIC_ARN", ...bound]));
    const role = (dispatch.resource.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const statements = statementsOfRole(workers, role);
    expect(asList(statements.find((s) => s.Sid === "UploadsObjects")?.Action)).toEqual(["s3:GetObject", "s3:DeleteObject"]);
    expect(asList(statements.find((s) => s.Sid === "FramesObjects")?.Action)).toEqual(["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]);
    expect(statements.flatMap((s) => asList(s.Action))).toContain("sns:Publish");
    const reconciler = resourceNamed(workers, "AWS::Lambda::Function", "ReconcilerJob");
    expect((reconciler.resource.Properties.Environment.Variables as Record<string, unknown>).VOS_DEV_WORKERS).toBe("local");
    // The task definitions are not used: no image is built from the working tree (no Docker).
    for (const task of resourcesOf(app, "AWS::ECS::TaskDefinition")) {
      const [container] = task.resource.Properties.ContainerDefinitions as Array<{ Image: unknown }>;
      expect(container!.Image, task.logicalId).toBe(UNUSED_DEV_IMAGE);
    }
  });

  it("builds every live function with the host's own packages, and each handler loads", async () => {
    // Where `sst dev` puts its builds: under the repository, so packages resolve from its node_modules.
    liveArtifacts = fs.mkdtempSync(path.join(ROOT, ".sst", "live-test-"));
    useProject().paths.artifacts = liveArtifacts;
    const handlers = useRuntimeHandlers();
    const live = Object.entries(useFunctions().all).filter(([, props]) => props.enableLiveDev !== false && String(props.handler).startsWith("packages/functions/src/"));
    expect(live.map(([, props]) => props.handler).sort()).toEqual(
      ["api", "dispatch", "intake", "reconciler", "task-events"].map((name) => `packages/functions/src/${name}.handler`),
    );
    const built: string[] = [];
    for (const [id, props] of live) {
      const result = await handlers.build(id, "start");
      expect(result?.type, String(props.handler)).toBe("success");
      const out = path.join(liveArtifacts, id);
      // SST links the project's node_modules; nothing replaced it with another platform's copies.
      expect(fs.lstatSync(path.join(out, "node_modules")).isSymbolicLink(), String(props.handler)).toBe(true);
      built.push(path.join(out, String(props.handler).replace(/\.handler$/, ".mjs")));
    }
    // A fresh Node process imports each bundle as Live Lambda does: sharp and onnxruntime come from the host.
    const probe = `for (const file of process.argv.slice(1)) { const m = await import(file); if (typeof m.handler !== "function") throw new Error(file + " has no handler"); } console.log("loaded", process.argv.length - 1);`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", probe, ...built], { encoding: "utf8", cwd: ROOT });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.stdout.trim()).toBe(`loaded ${built.length}`);
  }, 180_000);
});
