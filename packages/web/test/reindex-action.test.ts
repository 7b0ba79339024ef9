// @vitest-environment happy-dom
/**
 * The web app's way out of a library it cannot fully search, against a real `vos serve`: the
 * library's model (a folder) went away, the server now runs another model, so a search says how
 * many videos it cannot reach and offers to re-index; one click re-indexes the library with the
 * server's model and, once it has switched, the same search reaches every video.
 */
import { cp, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createElement } from "react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient, type ApiClient } from "../src/api/client";
import { SearchPage } from "../src/components/SearchPage";
import { createSearchStore } from "../src/search/store";
import { testFixtures } from "./support/fixtures";
import { act, click, render, submitFrom, typeInto, until, type Rendered } from "./support/react";
import { startServer, type RunningServer } from "./support/server";

let scratch: string;
let server: RunningServer | undefined;
let rendered: Rendered | undefined;
let api: ApiClient;
let videoId: string;

async function ingest(file: string): Promise<string> {
  const bytes = new Uint8Array(await readFile(file));
  const created = await api.createVideo({ filename: "colours.mp4", sizeBytes: bytes.length, contentType: "video/mp4" });
  if (created.upload.kind !== "put") throw new Error("the local server should hand out a PUT target");
  expect((await fetch(api.resolve(created.upload.url), { method: "PUT", headers: created.upload.headers, body: bytes })).status).toBe(200);
  await api.completeUpload(created.video.id);
  for (let i = 0; i < 600 && (await api.getVideo(created.video.id)).status !== "ready"; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  return created.video.id;
}

const serve = async (model: string, dataDir: string) => {
  server = await startServer({ VOS_CLIP_MODEL: model, VOS_DETECTOR: "off" }, { dataDir, keep: true });
  (globalThis as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`${server.url}/`);
  api = createApiClient({ baseUrl: `${server.url}/api` });
};

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "vos-web-reindex-"));
  const fixtures = await testFixtures();
  const [first, second] = [path.join(scratch, "clip-first"), path.join(scratch, "clip-second")];
  await cp(fixtures.modelDir, first, { recursive: true });
  await cp(fixtures.modelDir, second, { recursive: true });
  // Another model: other bytes in its configuration.
  const config = JSON.parse(await readFile(path.join(second, "config.json"), "utf8")) as Record<string, unknown>;
  await writeFile(path.join(second, "config.json"), JSON.stringify({ ...config, logit_scale_init_value: 3.0 }));
  const dataDir = path.join(scratch, "data");
  await serve(first, dataDir);
  videoId = await ingest(fixtures.colourVideo);
  await server!.stop();
  await rename(first, `${first}-gone`);
  await serve(second, dataDir);
}, 180_000);
afterAll(async () => {
  rendered?.unmount();
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe("re-indexing from the search page", () => {
  it("offers a re-index when videos are out of reach, follows it, and searches again when the library has switched", async () => {
    const store = createSearchStore(api);
    rendered = render(
      createElement(SearchPage, { store, videos: [], filters: {}, onRoute: () => {}, resolveUrl: api.resolve, hrefOf: () => "#", onOpen: () => {}, reindex: api }),
    );
    const page = rendered.container;
    const input = page.querySelector<HTMLInputElement>('input[aria-label="Search by words"]')!;
    typeInto(input, "a red image");
    submitFrom(input);
    await act(() => until(store, (state) => state.status === "done").then(() => undefined));
    expect(page.querySelector(".model-mismatch [role=status]")!.textContent).toContain("1 ready video was indexed with another model than the one answering (clip-second): clip-first (1 video).");
    expect(page.querySelectorAll("a.hit")).toHaveLength(0);

    const button = Array.from(page.querySelectorAll("button")).find((candidate) => candidate.textContent?.includes("Re-index the library"))!;
    click(button);
    // The run is followed until the library switches; then the same search runs again and reaches the video.
    // Each act() lets the component's polling effects run between the waits.
    const deadline = Date.now() + 60_000;
    const switched = () => {
      const now = store.getSnapshot();
      return now.status === "done" && now.hits.length > 0;
    };
    while (!switched() && Date.now() < deadline) await act(() => new Promise((resolve) => setTimeout(resolve, 200)));
    const state = store.getSnapshot();
    if (state.status !== "done") throw new Error(state.status);
    expect(state.mismatch).toBeNull();
    expect(state.hits[0]).toMatchObject({ videoId });
    expect(page.querySelector(".model-mismatch")).toBeNull();
    expect(await api.reindexStatus()).toMatchObject({ state: "idle", model: { name: "clip-second" }, toMove: 0 });
  });
});
