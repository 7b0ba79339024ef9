/**
 * Reads each route's parameters, bodies and answers out of the generated `paths`, so a typed
 * request names a route and gets exactly the types the API document gives it.
 */
import type { paths } from "./schema.js";

export type Method = "get" | "post" | "put" | "delete";

/** A route's operation; never where the path does not answer `M`. */
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The paths that answer `M`. */
export type PathsOf<M extends Method> = { [P in keyof paths]: [Operation<P, M>] extends [never] ? never : P }[keyof paths];

type Media<T, Type extends string> = T extends { content: Record<Type, infer Body> } ? Body : never;
type Success = 200 | 201 | 202;

/** The JSON a route answers with on success. */
export type Answer<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer R } ? Media<R[keyof R & Success], "application/json"> : never;

type RequestBody<P extends keyof paths, M extends Method> = Operation<P, M> extends { requestBody?: infer B } ? NonNullable<B> : never;
/** A route's JSON request body. */
export type JsonBody<P extends keyof paths, M extends Method> = Media<RequestBody<P, M>, "application/json">;
/** A route's multipart form fields. */
export type FormBody<P extends keyof paths, M extends Method> = Media<RequestBody<P, M>, "multipart/form-data">;

type Parameters<P extends keyof paths, M extends Method, In extends "path" | "query"> =
  Operation<P, M> extends { parameters: { [K in In]?: infer V } } ? NonNullable<V> : never;
export type PathParams<P extends keyof paths, M extends Method> = Parameters<P, M, "path">;
export type QueryParams<P extends keyof paths, M extends Method> = Parameters<P, M, "query">;

type BodyRequired<P extends keyof paths, M extends Method> = Operation<P, M> extends { requestBody: object } ? true : false;
type Field<Name extends string, T, Required extends boolean> = [T] extends [never]
  ? { [K in Name]?: never }
  : Required extends true
    ? { [K in Name]: T }
    : { [K in Name]?: T };

/** What one request to a route takes: path parameters and a body where the route has them. */
export type RequestInput<P extends keyof paths, M extends Method> = { signal?: AbortSignal; headers?: Record<string, string> } & Field<
  "params",
  PathParams<P, M>,
  true
> &
  Field<"query", QueryParams<P, M>, false> &
  Field<"json", JsonBody<P, M>, BodyRequired<P, M>> &
  Field<"form", FormBody<P, M>, BodyRequired<P, M>>;
