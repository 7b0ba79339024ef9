/**
 * The focus ring, measured from the stylesheet: a 2 px ring of the accent colour outside a 2 px
 * gap of the surface colour (`--focus`), so the ring must reach 3:1 (WCAG 1.4.11) against the gap
 * and against every background a focusable element sits on, in the light and the dark theme. The
 * object boxes over the video use two tones, a white outline inside an accent ring, which must
 * reach 3:1 against each other whatever the picture.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const css = readFileSync(new URL("../src/styles.css", import.meta.url), "utf8");

/** The custom properties of the first block after `start`. */
function tokens(start: RegExp): Record<string, string> {
  const from = css.search(start);
  const block = css.slice(from, css.indexOf("}", from));
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})\s*;/gi)].map((m) => [m[1]!, m[2]!.toLowerCase()]));
}

const rgb = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
const luminance = (hex: string) => {
  const [r, g, b] = rgb(hex).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
};
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
};
/** `hex` at `alpha` over `under`. */
const over = (hex: string, alpha: number, under: string) =>
  `#${rgb(hex)
    .map((v, i) => Math.round(v * alpha + rgb(under)[i]! * (1 - alpha)).toString(16).padStart(2, "0"))
    .join("")}`;

const light = tokens(/:root\s*\{[^}]*--bg/);
const dark = { ...light, ...tokens(/@media \(prefers-color-scheme: dark\)\s*\{\s*:root/) };
/** Where focusable things sit: the page, cards, insets, notices and selected rows. */
const BACKGROUNDS = ["bg", "surface", "surface-2", "accent-soft", "warn-soft", "danger-soft", "ok-soft", "info-soft"];

describe("focus ring contrast", () => {
  it("uses the accent ring with a surface gap for every focus-visible element", () => {
    expect(css).toMatch(/--focus:\s*0 0 0 2px var\(--surface\), 0 0 0 4px var\(--accent\);/);
    expect(css).toMatch(/:focus-visible \{\s*outline: none;\s*box-shadow: var\(--focus\);/);
    expect(dark.bg).not.toBe(light.bg); // both themes were read
  });

  for (const [theme, colours] of [["light", light], ["dark", dark]] as const) {
    it(`reaches 3:1 against the gap and every background (${theme})`, () => {
      const ratios = Object.fromEntries(BACKGROUNDS.map((name) => [name, Math.round(contrast(colours.accent!, colours[name]!) * 100) / 100]));
      for (const [name, ratio] of Object.entries(ratios)) expect(ratio, `accent on ${name}: ${JSON.stringify(ratios)}`).toBeGreaterThanOrEqual(3);
    });
  }

  it("gives an object box two tones that reach 3:1 against each other over any picture", () => {
    const rule = /button\.box:focus-visible \{([^}]*)\}/.exec(css)?.[1] ?? "";
    expect(rule).toContain("outline: 2px solid #fff");
    const [, r, g, b, a] = /box-shadow: 0 0 0 \d+px rgb\((\d+) (\d+) (\d+) \/ (\d+)%\)/.exec(rule)!;
    const ring = `#${[r, g, b].map((v) => Number(v).toString(16).padStart(2, "0")).join("")}`;
    // The ring is translucent: at its lightest (over white) it must still stand out from the white outline.
    for (const under of ["#ffffff", "#808080", "#000000"]) expect(contrast("#ffffff", over(ring, Number(a) / 100, under))).toBeGreaterThanOrEqual(3);
  });
});
