/** axe-core in the page: the serious and critical violations of the page as it is now. */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
let source: Promise<string> | undefined;
const axeSource = () => (source ??= readFile(AXE, "utf8"));

export interface Found {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

export async function violations(page: Page): Promise<Found[]> {
  // Through the debugger, as the page's own Content-Security-Policy refuses an injected script tag.
  await page.evaluate(await axeSource());
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  return found.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export const THEMES = ["light", "dark"] as const;

/** The violations in the light and the dark theme, each as "<where> (<theme>): <rule>...", after `shot` of each theme. */
export async function violationsInBothThemes(page: Page, where: string, shot?: (theme: (typeof THEMES)[number]) => Promise<void>): Promise<string[]> {
  const failures: string[] = [];
  for (const theme of THEMES) {
    await page.emulateMedia({ colorScheme: theme });
    await shot?.(theme);
    for (const v of await violations(page)) failures.push(`${where} (${theme}): ${v.id} (${v.impact}) ${v.help}: ${v.nodes.join(", ")}`);
  }
  return failures;
}

/** The sizes every screen is checked at. */
export const SIZES = [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const;

/**
 * The violations of the page as it is, resized to each of SIZES, in both themes (`shot` named
 * "<size>-<theme>" before each check); the page is left at the desktop size, in the light theme.
 */
export async function violationsAtBothSizes(page: Page, where: string, shot?: (name: string) => Promise<void>): Promise<string[]> {
  const failures: string[] = [];
  for (const size of SIZES) {
    await page.setViewportSize(size.viewport);
    failures.push(...(await violationsInBothThemes(page, `${where} at ${size.name} size`, (theme) => shot?.(`${size.name}-${theme}`) ?? Promise.resolve())));
  }
  await page.setViewportSize(SIZES[0].viewport);
  await page.emulateMedia({ colorScheme: "light" });
  return failures;
}
