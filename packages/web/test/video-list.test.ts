// @vitest-environment happy-dom
/**
 * The Library's failed videos: "Retry" processes the stored upload again through the API when
 * the failure kept it (`retryable`); "Upload again" picks a new file when it did not.
 */
import { createElement } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApiClient } from "../src/api/client";
import type { VideoView } from "../src/api/types";
import { VideoList, type VideoListProps } from "../src/components/VideoList";
import { act, click, render, type Rendered } from "./support/react";
import { videoView } from "./support/video-view";

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

  it("offers to upload again when the failure removed the upload", () => {
    const uploadAgain = vi.fn();
    const retry = vi.fn(async () => {});
    const container = show([failed("vid_bad", false, "media.not_a_video")], { onRetry: retry, onUploadAgain: uploadAgain });
    expect(button(container, "Retry vid_bad.mp4: process the uploaded file again")).toBeNull();
    const again = button(container, "Upload vid_bad.mp4 again as a new video");
    expect(again?.textContent).toContain("Upload again");
    click(again!);
    expect(uploadAgain).toHaveBeenCalledWith(expect.objectContaining({ id: "vid_bad" }));
    expect(retry).not.toHaveBeenCalled();
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
