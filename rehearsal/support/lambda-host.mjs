/**
 * Runs one built Lambda handler the way Lambda's Node.js runtime does: a fresh Node process
 * whose working folder is the function's code (Lambda's /var/task), which imports the bundle
 * once and then serves invocations one at a time. The parent sends `{ id, event }` over IPC and
 * gets `{ id, result }` or `{ id, error }`; `{ ready, importMs }` says the module loaded.
 *
 *   node lambda-host.mjs <bundle.mjs> <export> <function name> <timeout seconds>
 */
import { pathToFileURL } from "node:url";

const [file, exportName = "handler", functionName = "function", timeoutSec = "30"] = process.argv.slice(2);
const started = performance.now();
let handler;
try {
  const module = await import(pathToFileURL(file).href);
  handler = module[exportName];
  if (typeof handler !== "function") throw new Error(`${file} has no export named ${exportName}`);
} catch (error) {
  process.send({ ready: false, error: describe(error) });
  process.exit(1);
}
process.send({ ready: true, importMs: Math.round(performance.now() - started) });

let queue = Promise.resolve();
process.on("message", (message) => {
  queue = queue.then(() => invoke(message));
});

async function invoke({ id, event }) {
  const deadline = Date.now() + Number(timeoutSec) * 1000;
  const context = {
    awsRequestId: id,
    functionName,
    functionVersion: "$LATEST",
    memoryLimitInMB: "2048",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const invokeStarted = performance.now();
  try {
    const result = await handler(event, context);
    process.send({ id, result: result ?? null, ms: Math.round(performance.now() - invokeStarted) });
  } catch (error) {
    process.send({ id, error: describe(error), ms: Math.round(performance.now() - invokeStarted) });
  }
}

function describe(error) {
  return error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { name: "Error", message: String(error) };
}
