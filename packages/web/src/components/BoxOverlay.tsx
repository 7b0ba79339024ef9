import { useEffect, useState } from "react";
import { formatScore } from "../lib/format";

/** A bounding box on the current frame, in fractions of the frame (0-1, origin top left). */
export interface OverlayBox {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** e.g. "person"; shown on the box. */
  label?: string;
  /** Detector confidence, 0-1; shown after the label where the box is wide enough. */
  score?: number;
  /** What the box's button is called (e.g. "person 0.48 at 0:06"); the label and score by default. */
  name?: string;
  /** A longer description, shown on hover. */
  title?: string;
  /**
   * How it is drawn: "match" (an object the current search found) stands out, "labelled" (a
   * person's label) and "probable" (a guessed label) differ from a plain detection.
   */
  tone?: "match" | "labelled" | "probable";
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where the frame is drawn inside an element that letterboxes it (`object-fit: contain`, what a
 * <video> does): the element's size scaled down to the frame's aspect ratio, centred.
 */
export function displayedFrameRect(element: { width: number; height: number }, frame: { width: number; height: number }): Rect {
  if (element.width <= 0 || element.height <= 0 || frame.width <= 0 || frame.height <= 0) return { left: 0, top: 0, width: 0, height: 0 };
  const scale = Math.min(element.width / frame.width, element.height / frame.height);
  const width = frame.width * scale;
  const height = frame.height * scale;
  return { left: (element.width - width) / 2, top: (element.height - height) / 2, width, height };
}

/** The displayed frame's rectangle of a <video>, kept up to date as the element resizes. */
export function useDisplayedFrame(video: HTMLVideoElement | null): Rect | null {
  const [rect, setRect] = useState<Rect | null>(null);
  useEffect(() => {
    if (!video) return;
    const measure = () => {
      const frame = { width: video.videoWidth, height: video.videoHeight };
      const element = { width: video.clientWidth, height: video.clientHeight };
      const next = frame.width && frame.height ? displayedFrameRect(element, frame) : null;
      setRect((previous) =>
        previous && next && previous.left === next.left && previous.top === next.top && previous.width === next.width && previous.height === next.height ? previous : next,
      );
    };
    measure();
    video.addEventListener("loadedmetadata", measure);
    video.addEventListener("resize", measure);
    const observer = typeof ResizeObserver === "function" ? new ResizeObserver(measure) : undefined;
    observer?.observe(video);
    return () => {
      video.removeEventListener("loadedmetadata", measure);
      video.removeEventListener("resize", measure);
      observer?.disconnect();
    };
  }, [video]);
  return rect;
}

export interface BoxLayerProps {
  boxes: readonly OverlayBox[];
  /** Where the frame is drawn, in pixels relative to the positioned parent. */
  frame: Rect | null;
  selectedId?: string;
  /** Makes boxes clickable (e.g. "find similar objects"). */
  onSelect?(box: OverlayBox): void;
  /**
   * Pixels at the bottom of the element (the <video>'s own controls) where boxes take no clicks;
   * they are still drawn there, and reachable with the keyboard.
   */
  reserveBottom?: number;
}

/** Pixels a box needs across to show its score after the label. */
const ROOM_FOR_SCORE = 88;
/** Pixels above a box that its label needs; a box nearer the top has the label inside. */
const LABEL_HEIGHT = 18;

/** Draws boxes over the displayed frame; renders nothing when there are none. */
export function BoxLayer({ boxes, frame, selectedId, onSelect, reserveBottom = 0 }: BoxLayerProps) {
  if (boxes.length === 0 || !frame || frame.width === 0) return null;
  // The frame is centred in the element: the element's bottom edge is as far below the frame as its top is above.
  const clickableTo = frame.height + frame.top - reserveBottom;
  return (
    <div className="box-layer" style={{ left: frame.left, top: frame.top, width: frame.width, height: frame.height }} data-testid="box-layer">
      {boxes.map((box) => {
        const style = { left: `${box.x * 100}%`, top: `${box.y * 100}%`, width: `${box.width * 100}%`, height: `${box.height * 100}%` };
        const score = box.score !== undefined ? formatScore(box.score) : "";
        const name = box.name ?? [box.label ?? "object", score].filter(Boolean).join(" ");
        const text = box.label ? [box.label, box.width * frame.width >= ROOM_FOR_SCORE ? score : ""].filter(Boolean).join(" ") : "";
        const selected = box.id === selectedId;
        const className = ["box", box.tone ?? "", selected ? "selected" : "", box.y * frame.height < LABEL_HEIGHT ? "label-inside" : ""].filter(Boolean).join(" ");
        const label = text ? (
          <span className="box-label" aria-hidden="true">
            {text}
          </span>
        ) : null;
        const top = box.y * frame.height;
        const cut = Math.max(0, Math.min(box.height * frame.height, top + box.height * frame.height - Math.max(clickableTo, top)));
        return onSelect ? (
          <button key={box.id} type="button" className={className} style={style} onClick={() => onSelect(box)} aria-label={name} aria-pressed={selected} title={box.title} data-id={box.id}>
            <span className="box-hit" style={cut ? { bottom: cut } : undefined} />
            {label}
          </button>
        ) : (
          <div key={box.id} className={className} style={style} role="img" aria-label={name} title={box.title} data-id={box.id}>
            {label}
          </div>
        );
      })}
    </div>
  );
}

export interface BoxOverlayProps extends Omit<BoxLayerProps, "frame"> {
  /** The <video> the boxes belong to; the overlay follows its displayed frame. */
  video: HTMLVideoElement | null;
}

/**
 * The layer over the player for the current frame's bounding boxes. Place it in the same
 * positioned parent as the <video>.
 */
export function BoxOverlay({ video, ...props }: BoxOverlayProps) {
  const frame = useDisplayedFrame(props.boxes.length ? video : null);
  return <BoxLayer {...props} frame={frame} />;
}
