/**
 * The deploy-time script that creates the Pinecone index the workers write to, when it is missing.
 * Part of the Workers stack, which holds the dispatcher's event source back until the script has
 * run: the constructs are made in its scope with the ids it always used, so their CloudFormation
 * logical ids do not change.
 */
import { Function, Script, use, type Stack } from "sst/constructs";
import { functionSuppressions, suppress } from "../nag.js";
import { Secrets } from "../Secrets.js";

/** Runs on every deploy (create and update); returns the Script a worker must wait for. */
export function pineconeIndex(stack: Stack): Script {
  const { settings, PINECONE_API_KEY } = use(Secrets);

  const pineconeIndexFunction = new Function(stack, "PineconeIndexFunction", {
    handler: "packages/functions/src/pinecone-index.handler",
    description: "Creates the Pinecone index when it is missing (run by the PineconeIndex script on every deploy)",
    enableLiveDev: false,
    timeout: 300,
    bind: [PINECONE_API_KEY],
    environment: {
      VOS_PINECONE_INDEX: settings.pineconeIndex,
      VOS_EMBED_DIMENSION: String(settings.embedDimension),
      VOS_CLIP_MODEL: settings.clipModel,
    },
  });
  const script = new Script(stack, "PineconeIndex", {
    onCreate: pineconeIndexFunction,
    onUpdate: pineconeIndexFunction,
    params: { index: settings.pineconeIndex, dimension: settings.embedDimension },
  });
  suppress(pineconeIndexFunction, functionSuppressions());
  return script;
}
