/**
 * The Pinecone key bound to a function as the SST secret PINECONE_API_KEY. Imported only when
 * needed: `sst/node/config` fetches bound secrets from SSM as it loads. It lives here, beside the
 * handlers, so that @vos/core (and the worker image) has no run-time dependency on SST.
 */
import { VisibleError, errorMessage } from "@vos/core";

export async function pineconeKeyFromSst(): Promise<string> {
  try {
    const { Config } = await import("sst/node/config");
    const value = (Config as unknown as Record<string, string | undefined>).PINECONE_API_KEY;
    if (!value) throw new Error("the secret is empty");
    return value;
  } catch (error) {
    throw new VisibleError(
      "config.invalid",
      `PINECONE_API_KEY is not set and the SST secret PINECONE_API_KEY could not be read (${errorMessage(error)}): ` +
        "run `npx sst secrets set PINECONE_API_KEY <key>` and bind the secret to this function.",
      503,
      false,
    );
  }
}
