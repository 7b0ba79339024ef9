#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from "commander";
import { errorMessage, isVisibleError } from "@vos/core/error";
import { ApiError } from "./client.js";
import { activity, redrive } from "./commands/activity.js";
import { login, logout } from "./commands/login.js";
import { label, objects, similar, tracks } from "./commands/objects.js";
import { reindex } from "./commands/reindex.js";
import { retry } from "./commands/retry.js";
import { search } from "./commands/search.js";
import { remove, videos } from "./commands/videos.js";
import { connect, type Connection } from "./connect.js";
import { pictureForSearch } from "./image-query.js";

const integerIn = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return n;
};
const numberIn = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
  return n;
};

const kindsOf = (value: string) => {
  const kinds = value.split(",").map((k) => k.trim());
  if (kinds.length === 0 || kinds.some((k) => k !== "frame" && k !== "object")) throw new InvalidArgumentError("expected frame, object, or frame,object");
  return kinds as ("frame" | "object")[];
};

/** Opens the API (remote or embedded), runs `work`, and always closes what it opened. */
async function withClient<T>(workers: boolean, work: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connect({ workers });
  try {
    return await work(connection);
  } finally {
    await connection.close();
  }
}

const program = new Command("vos")
  .description("Video Object Search: find any moment in your videos by words or by picture.")
  .showHelpAfterError()
  .addHelpText(
    "after",
    "\nWithout VOS_API_URL the commands open the data folder (VOS_DATA_DIR, default .vos) themselves;\nwith VOS_API_URL=http://localhost:3000 they talk to a running `vos serve`, or to the API on AWS\n(after `vos login`). Sign-ins and unfinished uploads are kept in VOS_CONFIG_DIR (default ~/.config/vos).",
  );

program
  .command("serve")
  .description("run the API, the worker pool and the web app (what `npm start` runs)")
  // serve and ingest load what only they use (the server, the upload machinery) when they run.
  .action(async () => (await import("./commands/serve.js")).serve());

program
  .command("ingest")
  .description("upload videos (files, or folders searched for videos) and queue them for processing; an interrupted upload resumes when run again")
  .argument("<file-or-folder...>", "video files, or folders to search (recursively) for video files")
  .option("--title <title>", "title (default: the file name)")
  .addOption(new Option("--concurrency <n>", "files uploaded at once, and requests in flight across them").argParser(integerIn(1, 32)).default(4))
  .option("--wait", "wait until each video is ready or failed, with progress", false)
  .option("--json", "print JSON: [{ videoId, status, frames, file, error? }]", false)
  .action(async (paths: string[], options: { title?: string; concurrency: number; wait: boolean; json: boolean }) => {
    const [{ ingest }, { ingestInputs }, { createResumeStore }] = await Promise.all([
      import("./commands/ingest.js"),
      import("./ingest-inputs.js"),
      import("./upload/resume-store.js"),
    ]);
    const inputs = await ingestInputs(paths);
    const results = await withClient(options.wait, ({ client, identity }) => ingest(client, inputs, { ...options, resume: createResumeStore(), apiIdentity: identity }));
    if (results.some((result) => result.status === "failed")) process.exitCode = 1;
  });

program
  .command("search")
  .description("find moments by words (or by a picture with --image)")
  .argument("[text]", "what to look for, e.g. \"a dog on a beach\"")
  .option("--image <file>", "search with a picture instead of words (sent shrunk to 1024 px)")
  .option("--video <id>", "only search this video")
  .addOption(new Option("--limit <n>", "most moments to show").argParser(integerIn(1, 100)).default(10))
  .addOption(new Option("--min-score <s>", "drop hits below this similarity (-1 to 1)").argParser(numberIn(-1, 1)))
  .addOption(new Option("--kinds <kinds>", "frame, object, or frame,object").argParser(kindsOf))
  .option("--ready-only", "leave out videos still being processed (by default what they hold so far is searched)", false)
  .option("--json", "print JSON: [{ videoId, kind, timeSec, start, end, score, thumbnailUrl }] (objects add objectId, label, box)", false)
  .action(async (text: string | undefined, options: { image?: string; video?: string; limit: number; minScore?: number; kinds?: ("frame" | "object")[]; readyOnly: boolean; json: boolean }) => {
    if (!options.image && !text?.trim()) throw new InvalidArgumentError("give words to search for, or --image <file>");
    // Read and shrink the picture first: an unreadable one fails before anything is opened or sent.
    const picture = options.image ? await pictureForSearch(options.image) : undefined;
    await withClient(false, ({ client }) => search(client, text, { ...options, ...(picture ? { picture } : {}) }));
  });

program
  .command("activity")
  .description("what the workers are doing: jobs by state, workers and their segments, frames/s, time left per video, recent failures")
  .option("--json", "print the API's /activity answer as JSON", false)
  .action(async (options: { json: boolean }) => withClient(false, ({ client }) => activity(client, options)));

program
  .command("redrive")
  .description("send dead letters (listed by `vos activity`) back to the jobs queue: their jobs run again with fresh attempts")
  .argument("<id...>", "dead letter ids")
  .option("--json", "print the dead letters sent back as JSON", false)
  .action(async (ids: string[], options: { json: boolean }) => withClient(false, ({ client }) => redrive(client, ids, options)));

program
  .command("login")
  .description("sign in to the API at VOS_API_URL (Cognito); later commands use the stored tokens")
  .option("--email <email>", "the email address you sign in with (else asked)")
  .option("--password-stdin", "read the password (and any further answers) from stdin, one line each; VOS_PASSWORD also works", false)
  .action(async (options: { email?: string; passwordStdin: boolean }) => login(process.env, options));

program
  .command("logout")
  .description("delete the stored sign-in for the API at VOS_API_URL")
  .action(async () => logout(process.env));

program
  .command("objects")
  .description("list the objects found in a video, with boxes and labels")
  .argument("<videoId>", "video id")
  .option("--json", 'print JSON: [{ "label", "score", "timeSec", "box": { "x", "y", "w", "h" } }] (box normalised 0-1)', false)
  .action(async (videoId: string, options: { json: boolean }) => withClient(false, ({ client }) => objects(client, videoId, options)));

program
  .command("tracks")
  .description("list a video's tracks: each object followed from frame to frame, from when it appears to when it leaves")
  .argument("<videoId>", "video id")
  .option("--json", 'print JSON: [{ "id", "label", "start", "end", "score", "boxes": [{ "timeSec", "x", "y", "w", "h" }] }] (boxes normalised 0-1)', false)
  .action(async (videoId: string, options: { json: boolean }) => withClient(false, ({ client }) => tracks(client, videoId, options)));

program
  .command("similar")
  .description("find objects that look like an object (by its stored vector)")
  .argument("<objectId>", "object id, e.g. vid_...#o12.0")
  .addOption(new Option("--min-score <s>", "similarity threshold").argParser(numberIn(-1, 1)))
  .addOption(new Option("--limit <n>", "most objects to show").argParser(integerIn(1, 200)))
  .option("--expanded", "also use the mean of the best matches and objects with the same label", false)
  .option("--video <id>", "only look in this video")
  .option("--json", "print JSON", false)
  .action(async (objectId: string, options: { minScore?: number; limit?: number; expanded: boolean; video?: string; json: boolean }) =>
    withClient(false, ({ client }) => similar(client, objectId, options)),
  );

program
  .command("label")
  .description("label an object and its track; positive labels also go to near-duplicates and their tracks")
  .argument("<objectId>", "object id")
  .argument("<label>", "the label, e.g. \"my mug\"")
  .option("--negative", "say the object is NOT this (hides it from that label's similar results)", false)
  .option("--no-propagate", "do not label near-duplicates (the track is labelled still)")
  .option("--remove", "remove this label instead", false)
  .option("--json", "print JSON", false)
  .action(async (objectId: string, name: string, options: { negative: boolean; propagate: boolean; remove: boolean; json: boolean }) =>
    withClient(false, ({ client }) => label(client, objectId, name, options)),
  );

program
  .command("videos")
  .description("list videos with their status")
  .option("--json", "print JSON", false)
  .action(async (options: { json: boolean }) => withClient(false, ({ client }) => videos(client, options)));

program
  .command("retry")
  .description("process a failed video again from its stored upload (a new job with fresh attempts)")
  .argument("<id>", "video id")
  .option("--wait", "wait until it is ready or failed", false)
  .option("--json", "print the video as JSON", false)
  .action(async (id: string, options: { wait: boolean; json: boolean }) => {
    const video = await withClient(options.wait, ({ client }) => retry(client, id, options));
    if (video.status === "failed") process.exitCode = 1;
  });

program
  .command("reindex")
  .description("re-index the library with the configured model (VOS_CLIP_MODEL) from the stored thumbnails and crops; searches use the old model until every video is done")
  .option("--model <model>", "the model to move to: without VOS_API_URL a hub id or folder (as VOS_CLIP_MODEL); on a server, its configured model or one the library used before")
  .option("--wait", "wait until the library has switched (or a video failed)", false)
  .option("--json", "print [{ videoId, status, frames, objects }] as JSON", false)
  .action(async (options: { model?: string; wait: boolean; json: boolean }) => {
    // Without a server this process is the server: the model is its configured one.
    const local = !process.env.VOS_API_URL?.trim();
    if (local && options.model) process.env.VOS_CLIP_MODEL = options.model;
    const status = await withClient(options.wait, ({ client }) => reindex(client, { ...options, ...(local ? { model: undefined } : {}) }));
    if (status.state === "failed") process.exitCode = 1;
  });

program
  .command("delete")
  .description("delete a video with its frames, files and vectors")
  .argument("<id>", "video id")
  .option("--json", "print JSON", false)
  .action(async (id: string, options: { json: boolean }) => withClient(false, ({ client }) => remove(client, id, options)));

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof InvalidArgumentError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const code = error instanceof ApiError || isVisibleError(error) ? error.code : "cli.error";
  process.stderr.write(`error [${code}]: ${errorMessage(error)}\n`);
  process.exitCode = 1;
});
