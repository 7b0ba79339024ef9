/**
 * The shared test media and model (packages/core/test/support), made in a Node child process.
 * Tests that run under happy-dom cannot import those helpers directly: there Vite rewrites
 * `new URL(path, import.meta.url)` as if it were a browser asset.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, "../../../..");
const CORE_SUPPORT = path.join(REPO_ROOT, "packages/core/test/support");
const CLI_SUPPORT = path.join(REPO_ROOT, "packages/cli/test/support");

export interface Fixtures {
  /** The 20 s colour video: red 0-5 s, green 5-10 s, blue 10-15 s, a test pattern 15-20 s. */
  colourVideo: string;
  /** A solid red PNG, 320x240 (matches the video's first segment). */
  redImage: string;
  /** The generated CLIP test model folder (colour words match colour frames). */
  modelDir: string;
}

let pending: Promise<Fixtures> | undefined;

export function testFixtures(): Promise<Fixtures> {
  pending ??= inNode(
    [
      `const videos = await import(${JSON.stringify(path.join(CORE_SUPPORT, "videos.ts"))});`,
      `const model = await import(${JSON.stringify(path.join(CORE_SUPPORT, "test-model.ts"))});`,
      "const [colourVideo, redImage, modelDir] = await Promise.all([videos.colourVideo(), videos.stillImage('red'), model.testModelDir()]);",
      "process.stdout.write(JSON.stringify({ colourVideo, redImage, modelDir }));",
    ],
    "the test video and model",
  ).then((out) => JSON.parse(out) as Fixtures);
  return pending;
}

/**
 * What a script run in a child node prints: the generators are test support modules in
 * TypeScript, loaded through tsx, which the browser tests' own process does not load.
 */
function inNode(lines: string[], what: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", lines.join("\n")], { cwd: REPO_ROOT, timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`could not prepare ${what}: ${error.message}\n${stderr}`));
      resolve(stdout.trim());
    });
  });
}

/** A generated video's path, from the support module's function `name`. */
const madeVideo = (module: string, name: string, what: string) =>
  inNode([`const { ${name} } = await import(${JSON.stringify(module)});`, `process.stdout.write(await ${name}());`], what);

let photos: Promise<string> | undefined;

/**
 * The 12 s video of real photographs (packages/cli/test/support/photo-video.ts), 640x480: a
 * party of people 0-3 s, dark blue 3-6 s, the party again 6-9 s, a 3D figure 9-12 s. The
 * built-in detector finds the people in it.
 */
export function photoVideoFixture(): Promise<string> {
  photos ??= madeVideo(path.join(CLI_SUPPORT, "photo-video.ts"), "photoVideo", "the photo video");
  return photos;
}

let tracks: Promise<string> | undefined;

/**
 * The 12 s video for tracks (packages/core/test/support/track-video.ts), 640x360: a photographed
 * person pans left to right on grey 0-6 s, then a cut, then the camera zooms in on them 6-12 s.
 */
export function trackVideoFixture(): Promise<string> {
  tracks ??= madeVideo(path.join(CORE_SUPPORT, "track-video.ts"), "trackVideo", "the track video");
  return tracks;
}
