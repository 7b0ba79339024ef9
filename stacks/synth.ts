/**
 * `npm run synth [-- --stage prod] [--out DIR] [--no-nag]`: synthesises every stack offline and
 * writes the CloudFormation templates to `.sst/synth/<stage>` (or DIR). cdk-nag's AwsSolutions
 * checks run too; an unsuppressed error fails the command. Set VOS_SKIP_WEB_BUILD=1 to package
 * the web UI without building it.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, synthesize } from "./synthesize.js";

const { values } = parseArgs({
  options: {
    stage: { type: "string", default: "dev" },
    out: { type: "string" },
    "no-nag": { type: "boolean", default: false },
  },
});
const stage = values.stage ?? "dev";
const outdir = path.resolve(values.out ?? path.join(ROOT, ".sst", "synth", stage));
fs.rmSync(outdir, { recursive: true, force: true });

const started = Date.now();
const assembly = await synthesize({ stage, outdir, nag: !values["no-nag"] });

let errors = 0;
for (const stack of assembly.stacks) {
  console.log(`${stack.stackName}: ${path.relative(process.cwd(), path.join(outdir, stack.templateFile))}`);
  for (const message of stack.messages) {
    if (message.level === "info") continue;
    if (message.level === "error") errors++;
    console.log(`  ${message.level}: ${message.id}: ${String(message.entry.data).split("\n")[0]}`);
  }
}
console.log(`Synthesised ${assembly.stacks.length} stacks for stage "${stage}" in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
if (errors > 0) {
  console.error(`${errors} unsuppressed error(s) above.`);
  process.exitCode = 1;
}
