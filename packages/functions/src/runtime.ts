import { lambdaRuntime, type CloudRole } from "@vos/core/cloud";
import { pineconeKeyFromSst } from "./secrets.js";

/** The cloud runtime of a handler, with the Pinecone key read from the bound SST secret when the environment has none. */
export function functionRuntime(role: CloudRole) {
  return lambdaRuntime(role, { pineconeApiKey: pineconeKeyFromSst });
}
