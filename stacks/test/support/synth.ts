import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import type { CloudAssembly, SynthesisMessage } from "aws-cdk-lib/cx-api";
import { synthesize } from "../../synthesize.js";

/** A value no template may ever contain: the Pinecone key as the deploying shell holds it. */
export const PLANTED_PINECONE_KEY = "planted-pinecone-key-3f9a71c2";
export const ALERT_EMAIL = "alerts@example.com";

/** Deploy-time settings the stacks read; cleared so the developer's shell cannot change a test. */
const SETTINGS = [
  "VOS_CLIP_MODEL",
  "VOS_EMBED_DIMENSION",
  "VOS_PINECONE_INDEX",
  "VOS_ALERT_EMAIL",
  "VOS_WEB_ORIGIN",
  "VOS_GPU_INSTANCE_TYPE",
  "VOS_WORKER_CPU",
  "VOS_WORKER_MEMORY",
  "VOS_MAX_TASKS",
];

export interface SynthesizedStack {
  name: string;
  /** The stack's id inside the app: Secrets, Network, ... */
  id: string;
  json: {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string; DependsOn?: string[]; Metadata?: Record<string, unknown> }>;
    Parameters?: Record<string, unknown>;
    Metadata?: Record<string, unknown>;
  };
  template: Template;
  messages: SynthesisMessage[];
  /** cdk-nag's report for the stack: one row per rule and resource it checked. */
  nagReport: Array<{ ruleId: string; resource: string; compliance: string; reason: string }>;
}

export interface SynthesizedApp {
  /** The cloud assembly folder: templates, staged assets (`asset.<hash>`), cdk-nag reports. */
  outdir: string;
  stacks: SynthesizedStack[];
  stack(id: string): SynthesizedStack;
  cleanup(): void;
}

/** The environment every test synthesis runs with: settings cleared, a Pinecone key planted. */
export function testSynthesisEnvironment(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = Object.fromEntries(SETTINGS.map((name) => [name, undefined]));
  return Object.assign(env, { VOS_SKIP_WEB_BUILD: "placeholder", VOS_ALERT_EMAIL: ALERT_EMAIL, PINECONE_API_KEY: PLANTED_PINECONE_KEY });
}

/**
 * Synthesises the whole app for a stage in this process (slow: it bundles every function), with
 * the cdk-nag checks on, the web build skipped and a Pinecone key planted in the environment.
 * Most stack tests read the run's shared synthesis instead (`sharedSynthesis` in ./shared.ts);
 * this one is for a test that needs SST's in-process state afterwards (dev-mode.test.ts).
 */
export async function synthesizeForTest(stage: string, options: { mode?: "deploy" | "dev"; nag?: boolean } = {}): Promise<SynthesizedApp> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `vos-stacks-${stage}-`));
  let assembly;
  try {
    assembly = await synthesize({ stage, outdir, nag: options.nag ?? true, env: testSynthesisEnvironment(), ...(options.mode ? { mode: options.mode } : {}) });
  } catch (error) {
    fs.rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
  return appOf(stage, outdir, assembly, () => fs.rmSync(outdir, { recursive: true, force: true }));
}

/** A synthesized app read back from its cloud assembly folder. */
export function appOf(stage: string, outdir: string, assembly: CloudAssembly, cleanup: () => void): SynthesizedApp {
  const prefix = `${stage}-video-object-search-`;
  const stacks = assembly.stacks.map((artifact) => {
    const json = JSON.parse(fs.readFileSync(path.join(outdir, artifact.templateFile), "utf8")) as SynthesizedStack["json"];
    return {
      name: artifact.stackName,
      id: artifact.stackName.startsWith(prefix) ? artifact.stackName.slice(prefix.length) : artifact.stackName,
      json,
      template: Template.fromJSON(json),
      messages: artifact.messages,
      nagReport: readNagReport(path.join(outdir, `AwsSolutions-${artifact.stackName}-NagReport.csv`)),
    };
  });
  return {
    outdir,
    stacks,
    stack(id) {
      const found = stacks.find((s) => s.id === id);
      if (!found) throw new Error(`No stack ${id}; have ${stacks.map((s) => s.id).join(", ")}`);
      return found;
    },
    cleanup,
  };
}

/** Parses cdk-nag's CSV report (every field quoted, quotes doubled inside). */
function readNagReport(file: string): SynthesizedStack["nagReport"] {
  if (!fs.existsSync(file)) return [];
  const rows = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .slice(1)
    .filter((line) => line.trim() !== "")
    .map((line) => [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"')));
  return rows.map(([ruleId = "", resource = "", compliance = "", reason = ""]) => ({ ruleId, resource, compliance, reason }));
}

type Resource = SynthesizedStack["json"]["Resources"][string];

/** Every resource of a type across the app, with its stack and logical id. */
export function resourcesOf(app: SynthesizedApp, type: string) {
  return app.stacks.flatMap((stack) =>
    Object.entries(stack.json.Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([logicalId, resource]) => ({ stack, logicalId, resource: resource as Resource & { Properties: Record<string, any> } })),
  );
}

/** The one resource of a type in a stack whose logical id starts with a prefix. */
export function resourceNamed(stack: SynthesizedStack, type: string, prefix: string) {
  const found = Object.entries(stack.json.Resources).filter(([id, r]) => r.Type === type && id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`Expected one ${type} named ${prefix}* in ${stack.name}, found ${found.map(([id]) => id).join(", ") || "none"}`);
  const [logicalId, resource] = found[0]!;
  return { logicalId, resource: resource as Resource & { Properties: Record<string, any> } };
}

/** A Lambda function's environment variables. */
export function environmentOf(fn: { resource: { Properties: Record<string, any> } }): Record<string, unknown> {
  return (fn.resource.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
}

/** The policy statements attached to a role (inline policies of AWS::IAM::Policy resources). */
export function statementsOfRole(stack: SynthesizedStack, roleLogicalId: string): Array<Record<string, any>> {
  return Object.values(stack.json.Resources)
    .filter((r) => r.Type === "AWS::IAM::Policy")
    .filter((r) => JSON.stringify(r.Properties?.Roles ?? []).includes(`"${roleLogicalId}"`))
    .flatMap((r) => ((r.Properties?.PolicyDocument as { Statement: Array<Record<string, any>> }).Statement ?? []));
}

export const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** cdk-nag findings still standing (not suppressed) in a stack. */
export function nagErrors(stack: SynthesizedStack) {
  return stack.messages
    .filter((m) => m.level === "error" && String(m.entry.data).includes("AwsSolutions-"))
    .map((m) => `${m.id}: ${String(m.entry.data).split(":")[0]}`);
}

/** Every cdk-nag suppression recorded in a template (on resources and on the stack). */
export function suppressionsOf(stack: SynthesizedStack): Array<{ where: string; id: string; reason: string }> {
  const collect = (where: string, metadata: Record<string, unknown> | undefined) =>
    (((metadata?.cdk_nag as { rules_to_suppress?: Array<{ id: string; reason: string }> } | undefined)?.rules_to_suppress ?? []).map((rule) => ({
      where,
      id: rule.id,
      reason: rule.reason,
    })));
  return [
    ...collect(`${stack.name} (stack)`, stack.json.Metadata),
    ...Object.entries(stack.json.Resources).flatMap(([id, resource]) => collect(`${stack.name}/${id}`, resource.Metadata)),
  ];
}

/** Suppressions that silence no finding anywhere in the app (a rule that no longer fires, a typo). */
export function staleSuppressions(app: SynthesizedApp): string[] {
  const used = app.stacks.flatMap((s) => s.nagReport).filter((row) => row.compliance === "Suppressed");
  return app.stacks
    .flatMap(suppressionsOf)
    .filter(({ id, reason }) => !used.some((row) => row.ruleId === id && (row.reason === reason || row.reason.endsWith(`] ${reason}`))))
    .map(({ where, id }) => `${where}: ${id}`);
}
