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
  pending ??= new Promise<Fixtures>((resolve, reject) => {
    const script = [
      `const videos = await import(${JSON.stringify(path.join(CORE_SUPPORT, "videos.ts"))});`,
      `const model = await import(${JSON.stringify(path.join(CORE_SUPPORT, "test-model.ts"))});`,
      "const [colourVideo, redImage, modelDir] = await Promise.all([videos.colourVideo(), videos.stillImage('red'), model.testModelDir()]);",
      "process.stdout.write(JSON.stringify({ colourVideo, redImage, modelDir }));",
    ].join("\n");
    execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: REPO_ROOT, timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`could not prepare the test video and model: ${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as Fixtures);
    });
  });
  return pending;
}

let photos: Promise<string> | undefined;

/**
 * The 12 s video of real photographs (packages/cli/test/support/photo-video.ts), 640x480: a
 * party of people 0-3 s, dark blue 3-6 s, the party again 6-9 s, a 3D figure 9-12 s. The
 * built-in detector finds the people in it.
 */
export function photoVideoFixture(): Promise<string> {
  photos ??= new Promise<string>((resolve, reject) => {
    const script = [
      `const { photoVideo } = await import(${JSON.stringify(path.join(CLI_SUPPORT, "photo-video.ts"))});`,
      "process.stdout.write(await photoVideo());",
    ].join("\n");
    execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: REPO_ROOT, timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`could not make the photo video: ${error.message}\n${stderr}`));
      resolve(stdout.trim());
    });
  });
  return photos;
}

let tracks: Promise<string> | undefined;

/**
 * The 12 s video for tracks (packages/core/test/support/track-video.ts), 640x360: a photographed
 * person pans left to right on grey 0-6 s, then a cut, then the camera zooms in on them 6-12 s.
 */
export function trackVideoFixture(): Promise<string> {
  tracks ??= new Promise<string>((resolve, reject) => {
    const script = [
      `const { trackVideo } = await import(${JSON.stringify(path.join(CORE_SUPPORT, "track-video.ts"))});`,
      "process.stdout.write(await trackVideo());",
    ].join("\n");
    execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: REPO_ROOT, timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`could not make the track video: ${error.message}\n${stderr}`));
      resolve(stdout.trim());
    });
  });
  return tracks;
}
