/**
 * What the page's live region says when the video list is refreshed: an upload completing, a
 * video becoming ready or failing, each once, and nothing for a first list or an unchanged one.
 */
import { describe, expect, it } from "vitest";
import { announcements } from "../src/lib/announce";
import { videoView } from "./support/video-view";

const video = videoView;

describe("live announcements of the video list", () => {
  it("say an upload completed, a video ready with its frames, a failure with its reason", () => {
    const before = [video("a", "uploading"), video("b", "processing"), video("c", "queued"), video("d", "ready")];
    const after = [
      video("a", "queued"),
      video("b", "ready", { frameCount: 20 }),
      video("c", "failed", { error: { code: "media.not_a_video", message: "c.mp4 is not a video" } }),
      video("d", "ready"),
    ];
    expect(announcements(before, after)).toEqual(["a.mp4 uploaded; processing it.", "b.mp4 is ready: 20 frames indexed.", "c.mp4 failed: c.mp4 is not a video"]);
  });

  it("say nothing for the first list, an unchanged one, a new video or a deletion", () => {
    const list = [video("a", "ready"), video("b", "processing")];
    expect(announcements(undefined, list)).toEqual([]);
    expect(announcements(list, list)).toEqual([]);
    expect(announcements(list, [...list, video("c", "uploading")])).toEqual([]);
    expect(announcements(list, [video("b", "deleting")])).toEqual([]);
  });
});
