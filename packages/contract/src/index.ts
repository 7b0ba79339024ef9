/**
 * The API contract for its clients (the web app and the CLI): types generated from the API's
 * OpenAPI document, one error type and a typed fetch client. Browser-safe: no Node imports here.
 */
export { ApiError, errorFrom } from "./api-error.js";
export { createContractClient, type ContractClient, type ContractClientOptions, type Fetch } from "./client.js";
export type { Answer, FormBody, JsonBody, Method, PathsOf, RequestInput } from "./routes.js";
export type { paths } from "./schema.js";
export type * from "./types.js";
