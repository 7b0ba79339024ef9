// @vitest-environment happy-dom
/**
 * The Library's failed videos: "Retry" processes the stored upload again through the API when
 * the failure kept it (`retryable`); "Upload again" picks a new file when it did not and a new
 * upload may help; "Remove" deletes a video whose file itself is bad. And files that are not
 * videos are refused on the page before they reach the upload queue.
 */
import { createElement } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApiClient } from "../src/api/client";
import type { VideoView } from "../src/api/types";
import { Library } from "../src/components/Library";
import { VideoList, type VideoListProps } from "../src/components/VideoList";
import { UploadQueue } from "../src/upload/queue";
import { act, click, render, type Rendered } from "./support/react";
import { runningJob, videoView } from "./support/video-view";

const failed = (id: string, retryable: boolean, code: string): VideoView =>
  videoView(id, "failed", { error: { code, message: `${code}: it failed` }, retryable });

let rendered: Rendered | undefined;
afterEach(() => {
  rendered?.unmount();
  rendered = undefined;
});

function show(videos: VideoView[], overrides: Partial<VideoListProps>) {
  const props: VideoListProps = {
    videos,
    loaded: true,
    uploadingHere: new Set(),
    onOpen: () => {},
    onSearchIn: () => {},
    onRetry: async () => {},
    onUploadAgain: () => {},
    onResume: () => {},
    onDelete: async () => {},
    ...overrides,
  };
  rendered = render(createElement(VideoList, props));
  return rendered.container;
}

const button = (container: HTMLElement, label: string) => container.querySelector<HTMLButtonElement>(`button[aria-label="${label}"]`);

describe("failed videos in the Library", () => {
  it("retries a video whose upload was kept through POST /videos/{id}/retry", async () => {
    const requests: string[] = [];
    const api = createApiClient({
      baseUrl: "/api",
      fetch: async (input, init) => {
        requests.push(`${init?.method ?? "GET"} ${String(input)}`);
        return new Response(JSON.stringify({ ...failed("vid_kept", false, "x"), status: "queued", error: null }), { status: 202, headers: { "content-type": "application/json" } });
      },
    });
    const uploadAgain = vi.fn();
    const container = show([failed("vid_kept", true, "job.gave_up")], { onRetry: (video) => api.retryVideo(video.id), onUploadAgain: uploadAgain });
    const retry = button(container, "Retry vid_kept.mp4: process the uploaded file again");
    expect(retry?.textContent).toContain("Retry");
    expect(button(container, "Upload vid_kept.mp4 again as a new video")).toBeNull();
    await act(async () => retry!.click());
    expect(requests).toEqual(["POST /api/videos/vid_kept/retry"]);
    expect(uploadAgain).not.toHaveBeenCalled();
  });

  it("offers to upload again when the failure removed the upload and a new one may help", () => {
    const uploadAgain = vi.fn();
    const retry = vi.fn(async () => {});
    const container = show([failed("vid_cut", false, "media.empty")], { onRetry: retry, onUploadAgain: uploadAgain });
    expect(button(container, "Retry vid_cut.mp4: process the uploaded file again")).toBeNull();
    expect(button(container, "Remove vid_cut.mp4")).toBeNull();
    const again = button(container, "Upload vid_cut.mp4 again as a new video");
    expect(again?.textContent).toContain("Upload again");
    click(again!);
    expect(uploadAgain).toHaveBeenCalledWith(expect.objectContaining({ id: "vid_cut" }));
    expect(retry).not.toHaveBeenCalled();
  });

  it.each(["media.not_a_video", "media.corrupt", "media.unsupported_codec"])("offers Remove, through the delete dialog, for %s", async (code) => {
    const uploadAgain = vi.fn();
    const deleted: string[] = [];
    const container = show([failed("vid_bad", false, code)], { onUploadAgain: uploadAgain, onDelete: async (video) => void deleted.push(video.id) });
    expect(button(container, "Upload vid_bad.mp4 again as a new video")).toBeNull();
    expect(button(container, "Retry vid_bad.mp4: process the uploaded file again")).toBeNull();
    const remove = button(container, "Remove vid_bad.mp4");
    expect(remove?.textContent).toContain("Remove");
    click(remove!);
    const dialog = container.querySelector("dialog")!;
    expect(dialog.open).toBe(true);
    expect(dialog.textContent).toContain("vid_bad.mp4 will be removed");
    await act(async () => Array.from(dialog.querySelectorAll("button")).find((b) => b.textContent === "Delete video")!.click());
    expect(deleted).toEqual(["vid_bad"]);
    expect(uploadAgain).not.toHaveBeenCalled();
  });

  it("shows why a retry was refused", async () => {
    const container = show([failed("vid_gone", true, "job.gave_up")], {
      onRetry: async () => {
        throw new Error("Video 'vid_gone' cannot be retried: its uploaded file was removed.");
      },
    });
    await act(async () => button(container, "Retry vid_gone.mp4: process the uploaded file again")!.click());
    expect(container.querySelector('[role="alert"]')?.textContent).toBe("Video 'vid_gone' cannot be retried: its uploaded file was removed.");
  });
});

describe("choosing files in the Library", () => {
  it("refuses files that are not videos at once, in plain words, and queues only the videos", async () => {
    const requests: string[] = [];
    const api = createApiClient({
      baseUrl: "/api",
      fetch: async (input, init) => {
        requests.push(`${init?.method ?? "GET"} ${String(input)} ${String(init?.body ?? "")}`);
        return new Response(JSON.stringify({ code: "test.stop", message: "Not in this test." }), { status: 415, headers: { "content-type": "application/json" } });
      },
    });
    const queue = new UploadQueue({ api });
    rendered = render(
      createElement(Library, {
        queue,
        videos: { videos: [], loaded: true, refresh: async () => {} },
        deleteVideo: async () => {},
        retryVideo: async () => {},
        onOpen: () => {},
        onSearchIn: () => {},
      }),
    );
    const mp4 = new File([new Uint8Array([0, 0, 0, 0x18, ...new TextEncoder().encode("ftypisom"), 0, 0, 0, 0])], "clip.mp4", { type: "video/mp4" });
    const notes = new File(["Meeting notes\n- milk\n"], "notes.mp4", { type: "video/mp4" });
    const gif = new File([new TextEncoder().encode("GIF89a\x01\x00\x01\x00")], "cat.gif", { type: "image/gif" });
    const input = rendered.container.querySelector<HTMLInputElement>('input[type="file"]')!;
    Object.defineProperty(input, "files", { value: [mp4, notes, gif], configurable: true });
    await act(async () => void input.dispatchEvent(new Event("change", { bubbles: true })));

    const alert = await vi.waitFor(() => {
      const found = rendered!.container.querySelector('.refused [role="alert"]');
      if (!found) throw new Error("no refusal shown yet");
      return found;
    });
    expect(Array.from(alert.querySelectorAll("li"), (li) => li.textContent)).toEqual([
      "notes.mp4 is not a video file: it looks like text.",
      "cat.gif is not a video file: it is a GIF image.",
    ]);
    expect(queue.getSnapshot().map((item) => item.name)).toEqual(["clip.mp4"]);
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    expect(requests[0]).toMatch(/^POST \/api\/videos .*"filename":"clip.mp4"/);

    click(rendered.container.querySelector('button[aria-label="Dismiss this notice"]')!);
    expect(rendered.container.querySelector(".refused")).toBeNull();
  });
});

describe("progress in the Library", () => {
  const job = (over: Partial<NonNullable<VideoView["job"]>>) =>
    runningJob({ progress: { stage: "embed", stages: { probe: 1, sample: 1, embed: 0.3, index: 0.25 }, frames: { sampled: 240, embedded: 74, indexed: 60, objects: 0 } }, elapsedSec: 95, etaSec: 130, ...over });

  it("shows a running video's time so far, its time left and its frames out of those sampled; a waiting one's place in the queue", () => {
    const container = show(
      [
        videoView("vid_running", "processing", { job: job({}) }),
        videoView("vid_waiting", "queued", { job: job({ id: "job_2", status: "queued", elapsedSec: null, etaSec: null, startedAt: null, queuePlace: 2 }) }),
      ],
      {},
    );
    const [running, waiting] = [...container.querySelectorAll<HTMLElement>(".stages")];
    expect(running!.textContent).toContain("Running for 1:35 · about 2:10 left");
    expect(running!.textContent).toContain("240 sampled · 74 of 240 embedded · 60 of 240 indexed");
    expect(waiting!.textContent).toContain("2nd in the queue");
  });
});
