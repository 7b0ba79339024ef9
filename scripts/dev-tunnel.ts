/**
 * `npm run dev:tunnel`: tunnels this machine into the VPC of an `sst dev` stage through its bastion
 * (sshuttle over SSH over AWS Systems Manager), so handlers running under Live Lambda reach the
 * stage's private database. See docs/deploy-aws.md, "Reaching the private database".
 *
 * Everything that decides something is a pure function (stage, outputs, command lines,
 * prerequisites); `main` only wires them to the file system, child processes and signals.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

export const APP_NAME = "video-object-search";
/** What sst.config.ts deploys to when `sst dev` gets no --region (a test keeps the two equal). */
export const DEFAULT_REGION = "us-east-1";
export const KEY_NAME = "vos-dev";
/** Delays between reconnects; the last one repeats. */
export const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000] as const;
/** A connection that stayed up this long dropped for a new reason: start the backoff over. */
const STABLE_MS = 60_000;

/** A problem the user can fix: printed without a stack trace. */
export class TunnelError extends Error {}

export interface Target {
  stage: string;
  instanceId: string;
  vpcCidr: string;
  region: string;
}

const STAGE_NAME = /^[A-Za-z][A-Za-z0-9-]*$/; // SST's own rule (sst/project.js isValidStageName)
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
// Values below end up inside ssh's ProxyCommand, which a shell runs: accept only their plain forms.
const INSTANCE_ID = /^i-[0-9a-f]+$/;
const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

/** The stage the way SST picks it: --stage, SST_STAGE, then the personal stage in .sst/stage. */
export function readStage(root: string, flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const stage = flag ?? (env.SST_STAGE || readIfExists(path.join(root, ".sst", "stage"))?.trim());
  if (!stage) {
    throw new TunnelError("No stage: run `npx sst dev` once first (it asks for your personal stage and keeps it in .sst/stage), or pass --stage <name>.");
  }
  if (!STAGE_NAME.test(stage)) throw new TunnelError(`"${stage}" is not a stage name: a letter, then letters, digits or hyphens.`);
  return stage;
}

/** The bastion of `stage` from the stack outputs SST writes to .sst/outputs.json after each deploy. */
export function readTarget(root: string, stage: string, regionFlag: string | undefined): Target {
  const file = path.join(root, ".sst", "outputs.json");
  const text = readIfExists(file);
  if (text === undefined) {
    throw new TunnelError(`${file} not found: run \`npx sst dev\` and wait until it has deployed (it writes the stack outputs there).`);
  }
  let outputs: Record<string, Record<string, string> | undefined>;
  try {
    outputs = JSON.parse(text);
  } catch {
    throw new TunnelError(`${file} is not valid JSON: run \`npx sst dev\` again to rewrite it.`);
  }
  const prefix = `${stage}-${APP_NAME}-`;
  const network = outputs[`${prefix}Network`];
  if (!network) {
    const stages = [...new Set(Object.keys(outputs).map((name) => name.split(`-${APP_NAME}-`)[0]))].join(", ");
    throw new TunnelError(
      `${file} has no Network stack for stage "${stage}" (it holds the last \`sst dev\` or \`sst deploy\` run only${stages ? `, here of: ${stages}` : ""}). Run \`npx sst dev --stage ${stage}\`, or pass the right --stage.`,
    );
  }
  const { DevBastionId: instanceId, VpcCidr: vpcCidr } = network;
  if (!instanceId || !vpcCidr) {
    throw new TunnelError(
      `The Network stack of stage "${stage}" has no ${instanceId ? "VpcCidr" : "DevBastionId"} output: it was deployed with \`sst deploy\`, which adds no bastion, or its deploy failed. Run \`npx sst dev --stage ${stage}\` (only dev mode adds the bastion).`,
    );
  }
  if (!INSTANCE_ID.test(instanceId)) throw new TunnelError(`DevBastionId "${instanceId}" is not an EC2 instance id.`);
  if (!CIDR.test(vpcCidr)) throw new TunnelError(`VpcCidr "${vpcCidr}" is not an IPv4 CIDR block.`);
  const stageOutputs = Object.entries(outputs).filter(([name]) => name.startsWith(prefix));
  const region = regionFlag ?? regionOfOutputs(stageOutputs.flatMap(([, values]) => Object.values(values ?? {}))) ?? DEFAULT_REGION;
  if (!REGION.test(region)) throw new TunnelError(`"${region}" is not an AWS region (e.g. us-east-1).`);
  return { stage, instanceId, vpcCidr, region };
}

/** SST keeps no region on disk; the stage's ARN outputs (secret, topic, task definitions) carry it. */
export function regionOfOutputs(values: string[]): string | undefined {
  for (const value of values) {
    const region = /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]+):/.exec(value)?.[1];
    if (region && REGION.test(region)) return region;
  }
  return undefined;
}

export const keyPathIn = (home: string) => path.join(home, ".ssh", KEY_NAME);

export const keygenCommand = (key: string) => ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", KEY_NAME, "-f", key];

export const credentialsCommand = (region: string) => ["aws", "sts", "get-caller-identity", "--region", region];

/** EC2 Instance Connect accepts the key for 60 seconds: send it right before each connection. */
export const sendKeyCommand = (t: Target, key: string) => [
  "aws", "ec2-instance-connect", "send-ssh-public-key", "--instance-id", t.instanceId,
  "--instance-os-user", "ec2-user", "--ssh-public-key", `file://${key}.pub`, "--region", t.region,
];

/**
 * sshuttle splits -e like a shell. The bastion is reached by instance id through SSM (which AWS
 * authenticates), so a new host key is accepted; keep-alives make a dropped session end sshuttle.
 */
export function sshuttleCommand(t: Target, key: string): string[] {
  const proxy = `aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p --region ${t.region}`;
  const ssh = [
    "ssh", "-i", key, "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=accept-new",
    "-o", "ServerAliveInterval=15", "-o", `ProxyCommand=${proxy}`,
  ];
  return ["sshuttle", "--dns", "-r", `ec2-user@${t.instanceId}`, t.vpcCidr, "-e", ssh.map(shellQuote).join(" ")];
}

/** Quotes for a POSIX shell (and sshuttle's shlex); double quotes keep a nested '...' readable. */
export function shellQuote(arg: string): string {
  if (/^[\w/.:=@%+,-]+$/.test(arg)) return arg;
  if (arg.includes("'") && !/["$`\\!]/.test(arg)) return `"${arg}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

type Os = "darwin" | "linux";
interface Tool {
  command: string;
  role: string;
  install: Record<Os, string>;
}
const AWS_CLI_DOCS = "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html";
const SSM_PLUGIN_DOCS = "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html";
export const TOOLS: Tool[] = [
  { command: "aws", role: "the AWS CLI v2", install: { darwin: `brew install awscli (or the installer at ${AWS_CLI_DOCS})`, linux: `the installer at ${AWS_CLI_DOCS} (distribution packages are often v1)` } },
  { command: "session-manager-plugin", role: "the AWS CLI's Session Manager plugin", install: { darwin: "brew install --cask session-manager-plugin", linux: `the .deb or .rpm at ${SSM_PLUGIN_DOCS}` } },
  { command: "sshuttle", role: "sshuttle", install: { darwin: "brew install sshuttle", linux: "sudo apt install sshuttle, sudo dnf install sshuttle, or pipx install sshuttle" } },
  { command: "ssh", role: "the OpenSSH client", install: { darwin: "it ships with macOS: check your PATH", linux: "sudo apt install openssh-client, or sudo dnf install openssh-clients" } },
  { command: "ssh-keygen", role: "OpenSSH's ssh-keygen", install: { darwin: "it ships with macOS: check your PATH", linux: "sudo apt install openssh-client, or sudo dnf install openssh-clients" } },
];

/** One message per missing tool, with how to install it on `platform`; empty when all are there. */
export function missingPrerequisites(pathVar: string | undefined, platform: NodeJS.Platform): string[] {
  if (platform === "win32") {
    return ["sshuttle does not run on Windows natively: run `npm run dev:tunnel` inside WSL (e.g. Ubuntu), with the AWS CLI and the Session Manager plugin installed there."];
  }
  const os: Os = platform === "darwin" ? "darwin" : "linux";
  return TOOLS.filter((tool) => !findOnPath(tool.command, pathVar)).map(
    (tool) => `\`${tool.command}\` not found on PATH: it is ${tool.role}. Install it: ${tool.install[os]}.`,
  );
}

export function findOnPath(command: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? "").split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, command);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `aws --version` prints "aws-cli/2.x ..." (v1 printed to stderr, hence both streams). */
export function awsVersionProblem(versionOutput: string): string | undefined {
  const major = /aws-cli\/(\d+)\./.exec(versionOutput)?.[1];
  if (major === "2") return undefined;
  return `\`aws\` is not the AWS CLI v2 (\`aws --version\` says "${versionOutput.trim()}"). Install v2: ${AWS_CLI_DOCS}.`;
}

/** The AWS CLI's version and working credentials, the same ones `sst dev` used. */
export function awsProblem(region: string, env: NodeJS.ProcessEnv): string | undefined {
  const version = spawnSync("aws", ["--version"], { env, encoding: "utf8" });
  const versionProblem = awsVersionProblem(`${version.stdout ?? ""}${version.stderr ?? ""}`);
  if (versionProblem) return versionProblem;
  const [command, ...args] = credentialsCommand(region);
  const identity = spawnSync(command!, args, { env, encoding: "utf8" });
  if (identity.status === 0) return undefined;
  const why = (identity.stderr ?? "").trim().split("\n").at(-1) || `exit code ${identity.status}`;
  return `AWS credentials are not usable in ${region} (\`aws sts get-caller-identity\`: ${why}). Sign in the way you do for \`npx sst dev\` (aws sso login, AWS_PROFILE, or access keys) and try again.`;
}

export const backoffMs = (attempt: number) => BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

const log = (message: string) => console.error(`dev-tunnel: ${message}`);

const USAGE = `Usage: npm run dev:tunnel -- [--stage <name>] [--region <region>] [--dry-run]

Tunnels this machine into the VPC of an \`sst dev\` stage through its bastion, so the handlers
running locally reach the stage's database. Ctrl-C stops it.

  --stage    the stage (default: SST_STAGE, then your personal stage in .sst/stage)
  --region   the stage's region (default: from the stage's outputs, then ${DEFAULT_REGION})
  --dry-run  print the commands it would run, check nothing, run nothing
  --help     this text`;

// --- the thin part: files, child processes and signals ---

async function main(argv: string[]): Promise<number> {
  const { values: flags } = parseArgs({
    args: argv,
    options: { stage: { type: "string" }, region: { type: "string" }, "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  // Tests point this at a temporary repository root instead of the real .sst.
  const root = process.env.VOS_DEV_TUNNEL_ROOT ?? fileURLToPath(new URL("..", import.meta.url));
  const target = readTarget(root, readStage(root, flags.stage, process.env), flags.region);
  const key = keyPathIn(os.homedir());
  const needsKey = !fs.existsSync(key);

  if (flags["dry-run"]) {
    console.log(`# stage ${target.stage}: bastion ${target.instanceId} in ${target.region}, VPC ${target.vpcCidr}`);
    const commands = [...(needsKey ? [keygenCommand(key)] : []), credentialsCommand(target.region), sendKeyCommand(target, key), sshuttleCommand(target, key)];
    for (const command of commands) console.log(command.map(shellQuote).join(" "));
    return 0;
  }

  const problems = missingPrerequisites(process.env.PATH, process.platform);
  if (problems.length === 0) {
    const aws = awsProblem(target.region, process.env);
    if (aws) problems.push(aws);
  }
  if (problems.length > 0) throw new TunnelError(problems.join("\n"));
  if (needsKey) {
    fs.mkdirSync(path.dirname(key), { recursive: true, mode: 0o700 });
    const [command, ...args] = keygenCommand(key);
    if (spawnSync(command!, args, { stdio: "inherit" }).status !== 0) throw new TunnelError(`ssh-keygen could not create ${key}.`);
    log(`created the key pair ${key}`);
  } else if (!fs.existsSync(`${key}.pub`)) {
    throw new TunnelError(`${key}.pub is missing: delete ${key} and run again to make a new pair.`);
  }
  return tunnel(target, key);
}

/** Sends the key and runs sshuttle until Ctrl-C; reconnects with backoff when the session drops. */
async function tunnel(target: Target, key: string): Promise<number> {
  let stopping = false;
  let child: ChildProcess | undefined;
  let wake = () => {};
  const stop = () => {
    if (stopping) return;
    stopping = true;
    wake();
    // Ctrl-C in the terminal reaches sshuttle too and it cleans up its firewall rules itself;
    // a signal sent to this process alone does not, so end the child after a grace period.
    const running = child;
    if (!running) return;
    setTimeout(() => running.kill("SIGTERM"), 1_000).unref();
    setTimeout(() => running.kill("SIGKILL"), 10_000).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const run = (command: string[], stdio: "inherit" | "pipe") =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const [file, ...args] = command;
      const started = spawn(file!, args, { stdio: stdio === "inherit" ? "inherit" : ["ignore", "ignore", "pipe"] });
      child = started;
      let stderr = "";
      started.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      started.on("error", (error) => (stderr += error.message));
      started.on("close", (code) => {
        child = undefined;
        resolve({ code, stderr });
      });
    });
  const pause = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => (clearTimeout(timer), resolve());
  });

  let attempt = 0;
  for (let first = true; !stopping; first = false) {
    const sent = await run(sendKeyCommand(target, key), "pipe");
    if (stopping) break;
    if (sent.code !== 0) {
      const why = sent.stderr.trim().split("\n").at(-1) || `exit code ${sent.code}`;
      if (first) throw new TunnelError(`Could not send the SSH key to the bastion ${target.instanceId}: ${why}`);
      const delay = backoffMs(attempt++);
      log(`could not send the SSH key again (${why}); retrying in ${delay / 1000} s (Ctrl-C to stop)`);
      await pause(delay);
      continue;
    }
    log(`${first ? "connecting" : "reconnecting"} to ${target.vpcCidr} through ${target.instanceId} (stage ${target.stage}, ${target.region}); Ctrl-C to stop`);
    const since = Date.now();
    const { code } = await run(sshuttleCommand(target, key), "inherit");
    if (stopping || code === 0) break;
    if (Date.now() - since > STABLE_MS) attempt = 0;
    const delay = backoffMs(attempt++);
    log(`sshuttle exited with ${code === null ? "a signal" : `code ${code}`} (the SSH session through the bastion dropped); sending the key again and reconnecting in ${delay / 1000} s`);
    await pause(delay);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const usage = (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
      console.error(error instanceof TunnelError || usage ? `dev-tunnel: ${(error as Error).message}${usage ? "\n\n" + USAGE : ""}` : error);
      process.exit(1);
    },
  );
}
