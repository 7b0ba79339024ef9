/**
 * sharp, loaded on first use. It is a native package: a Lambda function that never touches an
 * image (dispatch, task events, the reconciler, the deploy scripts) ships without it, so no
 * module may import it at load time. A failed load is forgotten, so the next call tries again.
 */
import type Sharp from "sharp";
import { memoise } from "./memo.js";

export const loadSharp: () => Promise<typeof Sharp> = memoise(async () => (await import("sharp")).default);
