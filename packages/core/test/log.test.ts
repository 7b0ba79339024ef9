/** Log lines are JSON with the fields given, and never carry a secret. */
import { afterEach, describe, expect, it } from "vitest";
import { loadCloudConfig } from "../src/runtime/cloud/config.js";
import { loadConfig } from "../src/config.js";
import { createLogger, redactSecret, setLogLevel, setLogSink } from "../src/log.js";

const lines: string[] = [];
const capture = () => {
  lines.length = 0;
  setLogLevel("debug");
  setLogSink((line) => lines.push(line));
  return createLogger({ test: "log" });
};
afterEach(() => setLogSink((line) => process.stderr.write(line + "\n")));

describe("log lines", () => {
  it("are one JSON object each, with the logger's and the call's fields", () => {
    const log = capture().child({ jobId: "job_1" });
    log.info("probed", { ms: 12, stage: "probe" });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "info", msg: "probed", test: "log", jobId: "job_1", ms: 12, stage: "probe" });
  });

  it("keep a failed query's SQL but never its values, whoever logs it", () => {
    // What drizzle throws: the SQL and every parameter in its message and fields.
    const failed = Object.assign(new Error('Failed query: insert into "video" ("title") values ($1)\nparams: my-private-title'), {
      query: 'insert into "video" ("title") values ($1)',
      params: ["my-private-title"],
      cause: Object.assign(new Error("value too long for type character varying(200)"), { code: "22001" }),
    });
    capture().error("job failed", { error: failed, nested: { error: failed } });
    const line = lines[0]!;
    expect(line).not.toContain("my-private-title");
    const entry = JSON.parse(line);
    expect(entry.error.message).toBe('Failed query: insert into "video" ("title") values ($1) (1 parameter withheld): 22001 value too long for type character varying(200)');
    expect(entry.nested.error.name).toBe("DatabaseQueryError");
  });

  it("drop fields named like secrets, at any depth", () => {
    capture().warn("request", {
      password: "hunter2-hunter2",
      headers: { Authorization: "Basic abc", "x-api-key": "k-123456", cookie: "s=1", accept: "*/*" },
      db: { user: "vos", secretString: "{...}" },
      items: [{ token: "t-abcdef" }],
    });
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      password: "[redacted]",
      headers: { Authorization: "[redacted]", "x-api-key": "[redacted]", cookie: "[redacted]", accept: "*/*" },
      db: { user: "vos", secretString: "[redacted]" },
      items: [{ token: "[redacted]" }],
    });
  });

  it("mask credentials inside text: URL passwords, presigned signatures, bearer tokens, JWTs, Pinecone keys", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLWJ5dGVz";
    const error = new Error("connect failed: postgres://vos:S3cr3t%21@db.internal:5432/vos");
    capture().error(`could not fetch https://bucket.s3.amazonaws.com/k?X-Amz-Credential=AKIAEXAMPLE%2F2026&X-Amz-Signature=abcdef0123&x=1`, {
      error,
      header: `Bearer ${jwt}`,
      note: `token ${jwt} and key pcsk_7Ab_cdEFghij`,
    });
    const line = lines[0]!;
    for (const secret of ["S3cr3t", "AKIAEXAMPLE", "abcdef0123", jwt, "pcsk_7Ab_cdEFghij"]) expect(line).not.toContain(secret);
    const entry = JSON.parse(line);
    expect(entry.msg).toBe("could not fetch https://bucket.s3.amazonaws.com/k?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&x=1");
    expect(entry.error.message).toBe("connect failed: postgres://vos:[redacted]@db.internal:5432/vos");
    expect(entry.error.stack).not.toContain("S3cr3t");
    expect(entry.header).toBe("Bearer [redacted]");
  });

  it("mask the secrets the configuration holds wherever they show up later", () => {
    const token = "local-token-0123456789abcdef";
    loadConfig({ VOS_API_TOKEN: token });
    loadCloudConfig({ PINECONE_API_KEY: "plain-key-without-prefix-42", VOS_DATABASE_URL: "postgres://vos:pa55word-xyz@localhost/vos" }, "bake-model");
    const log = capture();
    log.info(`echo ${token}`, { raw: "plain-key-without-prefix-42 / pa55word-xyz" });
    expect(lines[0]).not.toMatch(/local-token-0123456789abcdef|plain-key-without-prefix-42|pa55word-xyz/);
    redactSecret("tiny"); // too short to mask safely: ignored rather than blanking common text
    log.info("a tiny word");
    expect(JSON.parse(lines[1]!).msg).toBe("a tiny word");
  });
});
