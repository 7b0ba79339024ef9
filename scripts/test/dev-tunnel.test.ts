import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  DEFAULT_REGION,
  TOOLS,
  awsProblem,
  awsVersionProblem,
  backoffMs,
  missingPrerequisites,
  readStage,
  readTarget,
  type Target,
} from "../dev-tunnel.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = path.join(REPO, "scripts", "dev-tunnel.ts");
const TSX = path.join(REPO, "node_modules", ".bin", "tsx");

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vos-dev-tunnel-"));
  temps.push(dir);
  return dir;
}

/** A folder of executable shell scripts, standing in for tools this machine may or may not have. */
function binWith(scripts: Record<string, string>): string {
  const bin = tempDir();
  for (const [name, body] of Object.entries(scripts)) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  return bin;
}

/** A repository root with SST's files: `.sst/stage` and `.sst/outputs.json`. */
function rootWith(files: { stage?: string; outputs?: unknown }): string {
  const root = tempDir();
  fs.mkdirSync(path.join(root, ".sst"));
  if (files.stage !== undefined) fs.writeFileSync(path.join(root, ".sst", "stage"), files.stage);
  if (files.outputs !== undefined) {
    const text = typeof files.outputs === "string" ? files.outputs : JSON.stringify(files.outputs, null, 2);
    fs.writeFileSync(path.join(root, ".sst", "outputs.json"), text);
  }
  return root;
}

const devOutputs = (stage: string, region: string, instanceId = "i-0123456789abcdef0") => ({
  [`${stage}-video-object-search-Secrets`]: {},
  [`${stage}-video-object-search-Network`]: { DevBastionId: instanceId, VpcCidr: "10.20.0.0/16" },
  [`${stage}-video-object-search-Database`]: { DatabaseSecretArn: `arn:aws:secretsmanager:${region}:123456789012:secret:db-AbCdEf` },
});

describe("prerequisites", () => {
  it("names each missing tool with how to install it, and only the missing ones", () => {
    const bin = binWith({ aws: "exit 0", ssh: "exit 0" });
    fs.writeFileSync(path.join(bin, "sshuttle"), "not executable", { mode: 0o644 });
    const linux = missingPrerequisites(bin, "linux");
    expect(linux).toHaveLength(3);
    expect(linux[0]).toMatch(/^`session-manager-plugin` not found on PATH: .*Session Manager plugin.*session-manager-working-with-install-plugin/);
    expect(linux[1]).toMatch(/^`sshuttle` not found on PATH.*sudo apt install sshuttle/);
    expect(linux[2]).toMatch(/^`ssh-keygen` not found on PATH.*openssh-client/);
    expect(linux.join("\n")).not.toMatch(/`aws`|`ssh` /);

    const mac = missingPrerequisites(bin, "darwin");
    expect(mac[0]).toContain("brew install --cask session-manager-plugin");
    expect(mac[1]).toContain("brew install sshuttle");
  });

  it("lists all five on an empty PATH, none when all are there", () => {
    expect(missingPrerequisites(tempDir(), "linux").map((m) => m.split("`")[1])).toEqual(TOOLS.map((t) => t.command));
    expect(missingPrerequisites(undefined, "darwin")).toHaveLength(5);
    const all = binWith(Object.fromEntries(TOOLS.map((t) => [t.command, "exit 0"])));
    expect(missingPrerequisites(`${tempDir()}${path.delimiter}${all}`, "linux")).toEqual([]);
  });

  it("sends Windows users to WSL: sshuttle has no native Windows port", () => {
    const all = binWith(Object.fromEntries(TOOLS.map((t) => [t.command, "exit 0"])));
    expect(missingPrerequisites(all, "win32")).toEqual([expect.stringMatching(/sshuttle does not run on Windows natively.*inside WSL/)]);
  });

  it("wants the AWS CLI v2", () => {
    expect(awsVersionProblem("aws-cli/2.17.0 Python/3.12.6 Darwin/23.3.0 exe/x86_64")).toBeUndefined();
    expect(awsVersionProblem("aws-cli/1.29.0 Python/3.11.4 Linux/6.5 botocore/1.31.0")).toMatch(/not the AWS CLI v2 .*aws-cli\/1\.29\.0.*getting-started-install/);
  });

  it("says when the AWS credentials do not work, with the CLI's reason", () => {
    const script = (sts: string) => `case "$1" in --version) echo "aws-cli/2.17.0 Python/3.12.6";; sts) ${sts};; esac`;
    const broken = binWith({ aws: script(`echo "Unable to locate credentials. You can configure credentials by running \\"aws configure\\"." >&2; exit 255`) });
    expect(awsProblem("eu-west-1", { PATH: broken })).toMatch(/^AWS credentials are not usable in eu-west-1 \(`aws sts get-caller-identity`: Unable to locate credentials.*\)\. Sign in/);
    const working = binWith({ aws: script(`echo '{"Account": "123456789012"}'`) });
    expect(awsProblem("eu-west-1", { PATH: working })).toBeUndefined();
    const v1 = binWith({ aws: `echo "aws-cli/1.29.0 Python/3.11.4" >&2` });
    expect(awsProblem("eu-west-1", { PATH: v1 })).toMatch(/not the AWS CLI v2/);
  });
});

describe("stage and outputs", () => {
  it("takes the stage from --stage, then SST_STAGE, then SST's personal stage file", () => {
    const root = rootWith({ stage: "alice\n" });
    expect(readStage(root, undefined, {})).toBe("alice");
    expect(readStage(root, undefined, { SST_STAGE: "ci" })).toBe("ci");
    expect(readStage(root, "bob", { SST_STAGE: "ci" })).toBe("bob");
  });

  it("asks for `sst dev` or --stage when there is no stage, and rejects a name SST would not accept", () => {
    expect(() => readStage(rootWith({}), undefined, {})).toThrow(/^No stage: run `npx sst dev` once first .*\.sst\/stage.*or pass --stage <name>/);
    expect(() => readStage(rootWith({ stage: " \n" }), undefined, {})).toThrow(/^No stage/);
    expect(() => readStage(rootWith({}), "bob; rm -rf ~", {})).toThrow(/is not a stage name/);
  });

  it("reads the bastion, the VPC and the region from the stage's outputs", () => {
    const root = rootWith({ outputs: { ...devOutputs("bob", "ap-south-1", "i-0bbbbbbbbbbbbbbbb"), ...devOutputs("alice", "eu-west-1") } });
    expect(readTarget(root, "alice", undefined)).toEqual<Target>({ stage: "alice", instanceId: "i-0123456789abcdef0", vpcCidr: "10.20.0.0/16", region: "eu-west-1" });
    expect(readTarget(root, "bob", undefined)).toMatchObject({ instanceId: "i-0bbbbbbbbbbbbbbbb", region: "ap-south-1" });
    expect(readTarget(root, "alice", "us-west-2").region).toBe("us-west-2");
    const { [`alice-video-object-search-Database`]: _, ...withoutArns } = devOutputs("alice", "eu-west-1");
    expect(readTarget(rootWith({ outputs: withoutArns }), "alice", undefined).region).toBe(DEFAULT_REGION);
  });

  it("has a message for each missing piece", () => {
    const outputsFile = /\.sst\/outputs\.json/.source;
    expect(() => readTarget(rootWith({}), "alice", undefined)).toThrow(new RegExp(`${outputsFile} not found: run \`npx sst dev\``));
    expect(() => readTarget(rootWith({ outputs: "{ half" }), "alice", undefined)).toThrow(/is not valid JSON/);
    expect(() => readTarget(rootWith({ outputs: devOutputs("prod", "us-east-1") }), "alice", undefined)).toThrow(
      /has no Network stack for stage "alice" \(it holds the last `sst dev` or `sst deploy` run only, here of: prod\)\. Run `npx sst dev --stage alice`/,
    );
    const deployed = { "alice-video-object-search-Network": {} };
    expect(() => readTarget(rootWith({ outputs: deployed }), "alice", undefined)).toThrow(
      /Network stack of stage "alice" has no DevBastionId output: it was deployed with `sst deploy`, which adds no bastion/,
    );
    const odd = { "alice-video-object-search-Network": { DevBastionId: "i-0abc; reboot", VpcCidr: "10.20.0.0/16" } };
    expect(() => readTarget(rootWith({ outputs: odd }), "alice", undefined)).toThrow(/is not an EC2 instance id/);
    expect(() => readTarget(rootWith({ outputs: devOutputs("alice", "eu-west-1") }), "alice", "eu west")).toThrow(/is not an AWS region/);
  });

  it("falls back to the region sst.config.ts deploys to without --region", () => {
    // Read, not imported: importing it loads every stack and the CDK (seconds) for one constant.
    const config = fs.readFileSync(path.join(REPO, "sst.config.ts"), "utf8");
    expect(config).toContain(`region: input.region ?? "${DEFAULT_REGION}"`);
  });

  it("backs off 1, 2, 5, then 10 seconds", () => {
    expect([0, 1, 2, 3, 4, 9].map(backoffMs)).toEqual([1_000, 2_000, 5_000, 10_000, 10_000, 10_000]);
  });
});

/** Runs the script the way `npm run dev:tunnel` does, against a temporary root and home. */
function runScript(args: string[], env: Record<string, string>) {
  const child = spawn(TSX, [SCRIPT, ...args], { env: { ...process.env, SST_STAGE: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, done, out: () => ({ stdout, stderr }) };
}

describe("npm run dev:tunnel", () => {
  it("--dry-run prints the exact commands, key creation included while the key is missing", async () => {
    const root = rootWith({ stage: "alice", outputs: devOutputs("alice", "eu-west-1") });
    const home = tempDir();
    const run = runScript(["--dry-run"], { VOS_DEV_TUNNEL_ROOT: root, HOME: home });
    expect(await run.done).toEqual({ code: 0, signal: null });
    const key = path.join(home, ".ssh", "vos-dev");
    expect(run.out().stdout.trim().split("\n")).toEqual([
      "# stage alice: bastion i-0123456789abcdef0 in eu-west-1, VPC 10.20.0.0/16",
      `ssh-keygen -q -t ed25519 -N '' -C vos-dev -f ${key}`,
      "aws sts get-caller-identity --region eu-west-1",
      `aws ec2-instance-connect send-ssh-public-key --instance-id i-0123456789abcdef0 --instance-os-user ec2-user --ssh-public-key file://${key}.pub --region eu-west-1`,
      `sshuttle --dns -r ec2-user@i-0123456789abcdef0 10.20.0.0/16 -e "ssh -i ${key} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o ServerAliveInterval=15 -o 'ProxyCommand=aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p --region eu-west-1'"`,
    ]);
    expect(fs.existsSync(key)).toBe(false); // a dry run creates nothing

    fs.mkdirSync(path.dirname(key));
    fs.writeFileSync(key, "");
    const again = runScript(["--dry-run", "--stage", "alice", "--region", "us-west-2"], { VOS_DEV_TUNNEL_ROOT: root, HOME: home });
    expect(await again.done).toEqual({ code: 0, signal: null });
    const lines = again.out().stdout.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).every((line) => line.endsWith("--region us-west-2") || line.endsWith("--region us-west-2'\""))).toBe(true);
  });

  it("fails with the message and exit code 1 when there is no stage", async () => {
    const run = runScript(["--dry-run"], { VOS_DEV_TUNNEL_ROOT: rootWith({}), HOME: tempDir() });
    expect(await run.done).toEqual({ code: 1, signal: null });
    expect(run.out().stderr).toMatch(/^dev-tunnel: No stage: run `npx sst dev` once first/);
  });

  it("sends the key again before each reconnect, and stops on Ctrl-C with exit 0", async () => {
    const root = rootWith({ stage: "alice", outputs: devOutputs("alice", "eu-west-1") });
    const home = tempDir();
    const log = path.join(tempDir(), "calls.log");
    const record = `echo "$(basename "$0") $*" >> "$TUNNEL_LOG"`;
    const bin = binWith({
      aws: `${record}\n[ "$1" = --version ] && echo "aws-cli/2.17.0 Python/3.12.6"\nexit 0`,
      "session-manager-plugin": "exit 0",
      ssh: "exit 0",
      "ssh-keygen": `${record}\nfor key; do :; done\ntouch "$key" "$key.pub"`,
      // Drops twice (the SSH session ended), then stays up until killed.
      sshuttle: `${record}\n[ "$(grep -c '^sshuttle ' "$TUNNEL_LOG")" -le 2 ] && exit 1\necho $$ > "$TUNNEL_LOG.pid"\nexec sleep 600`,
    });
    const run = runScript([], {
      VOS_DEV_TUNNEL_ROOT: root,
      HOME: home,
      TUNNEL_LOG: log,
      PATH: [bin, path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
    });
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(`${log}.pid`) && run.child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(fs.existsSync(`${log}.pid`), run.out().stderr).toBe(true);
    const sshuttlePid = Number(fs.readFileSync(`${log}.pid`, "utf8"));

    run.child.kill("SIGINT");
    expect(await run.done).toEqual({ code: 0, signal: null });
    expect(() => process.kill(sshuttlePid, 0)).toThrow(/ESRCH/); // sshuttle did not outlive it

    const key = path.join(home, ".ssh", "vos-dev");
    const calls = fs.readFileSync(log, "utf8").trim().split("\n");
    const send = `aws ec2-instance-connect send-ssh-public-key --instance-id i-0123456789abcdef0 --instance-os-user ec2-user --ssh-public-key file://${key}.pub --region eu-west-1`;
    const sshuttle = expect.stringMatching(/^sshuttle --dns -r ec2-user@i-0123456789abcdef0 10\.20\.0\.0\/16 -e ssh -i .* --region eu-west-1'$/);
    expect(calls).toEqual([
      "aws --version",
      "aws sts get-caller-identity --region eu-west-1",
      `ssh-keygen -q -t ed25519 -N  -C vos-dev -f ${key}`,
      send, sshuttle,
      send, sshuttle,
      send, sshuttle,
    ]);
    const { stderr } = run.out();
    expect(stderr).toContain("sshuttle exited with code 1 (the SSH session through the bastion dropped); sending the key again and reconnecting in 1 s");
    expect(stderr).toContain("reconnecting in 2 s");
  });
});
