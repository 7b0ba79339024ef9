import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { ApiOptions } from "../context.js";

const signInSchema = z
  .object({
    kind: z.enum(["none", "token", "cognito"]).describe("none: open; token: the server's VOS_API_TOKEN as a bearer token; cognito: sign in to the user pool"),
    region: z.string().optional().describe("cognito: the user pool's region"),
    clientId: z.string().optional().describe("cognito: the app client to sign in with"),
    endpoint: z.string().optional().describe("cognito: Cognito's JSON API (InitiateAuth, RespondToAuthChallenge)"),
  })
  .describe("how a client signs in to this API");

const auth = createRoute({
  method: "get",
  path: "/auth",
  summary: "How to sign in (no sign-in needed), so one web build works with every server",
  responses: { 200: { description: "sign-in method", content: { "application/json": { schema: signInSchema } } } },
});

export function authRoutes(options: ApiOptions) {
  const answer: z.infer<typeof signInSchema> = options.jwt
    ? { kind: "cognito", region: options.jwt.auth.region, clientId: options.jwt.auth.clientId, endpoint: options.jwt.auth.endpoint }
    : options.apiToken
      ? { kind: "token" }
      : { kind: "none" };
  return new OpenAPIHono().openapi(auth, (c) => c.json(answer, 200));
}
