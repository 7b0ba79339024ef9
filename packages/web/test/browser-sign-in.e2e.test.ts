/**
 * Sign-in in Chromium against a real `vos serve` that takes user pool JWTs, with a real Cognito
 * protocol emulator (cognito-local) behind the form: an admin-created user's first sign-in sets
 * their password, the library loads with their token, a refused token is refreshed, a wrong
 * password reads the same as an unknown user, and signing out returns to the form.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCognitoLocal, TEMPORARY_PASSWORD, type CognitoLocal } from "../../core/test/support/cognito-local";
import { violationsAtBothSizes } from "./support/axe";
import { launchBrowser, type Browser } from "./support/browser";
import { ensureWebBuild, startServer, type RunningServer } from "./support/server";

const EMAIL = "ada@example.com";
const PASSWORD = "Analytical-Engine-1843!";
let cognito: CognitoLocal;
let server: RunningServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [, cognito] = await Promise.all([ensureWebBuild(), startCognitoLocal()]);
  await cognito.createUser({ email: EMAIL, password: PASSWORD, tenant: "lovelace", firstSignIn: false });
  server = await startServer({ VOS_AUTH_ISSUER: cognito.issuer, VOS_AUTH_CLIENT_ID: cognito.clientId, VOS_AUTH_ENDPOINT: cognito.endpoint });
  browser = await launchBrowser();
  ({ page } = browser);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await Promise.allSettled([server?.stop(), cognito?.stop()]);
});

async function signIn(email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}
const session = () => page.evaluate(() => JSON.parse(localStorage.getItem("vos.session") ?? "null") as { accessToken: string; expiresAt: number } | null);

/** Problems in the page other than the refusals these tests cause on purpose. */
const unexpectedProblems = () =>
  browser.problems.filter((p) => !/status of (400|401)/.test(p));

describe("sign-in with Cognito", () => {
  it("shows the sign-in form instead of the library", async () => {
    await page.goto(server.url);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await expect(page.getByRole("heading", { name: "Library" }).count()).resolves.toBe(0);
  });

  it("answers an unknown user with the same message as a wrong password", async () => {
    await signIn("nobody@example.com", "Whatever-Passw0rd!");
    await expect(page.getByRole("alert").textContent()).resolves.toBe("Wrong email or password.");
    await browser.shot("sign-in-refused");
    // The form with its refusal, in both themes, at a desktop and a phone size: no serious or
    // critical axe violation.
    expect(await violationsAtBothSizes(page, "sign-in", (name) => browser.shot(`a11y-sign-in-${name}`))).toEqual([]);
  });

  it("makes an admin-created user choose a password, then loads their library", async () => {
    await signIn(EMAIL, TEMPORARY_PASSWORD);
    await page.getByRole("heading", { name: "Choose your password" }).waitFor();
    await page.getByLabel("New password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Repeat the new password").fill("Something-else-1!");
    await page.getByRole("button", { name: "Set password and sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toBe("The two passwords differ.");
    expect(await violationsAtBothSizes(page, "new-password", (name) => browser.shot(`a11y-new-password-${name}`))).toEqual([]);
    await page.getByLabel("Repeat the new password").fill(PASSWORD);
    await page.getByRole("button", { name: "Set password and sign in" }).click();

    await page.getByRole("heading", { name: "Library" }).waitFor();
    await page.getByText("No videos yet.").waitFor();
    await page.getByText(EMAIL).waitFor();
    expect((await session())?.accessToken).toMatch(/^ey/);
    await browser.shot("signed-in-library");
  });

  it("signs out back to the form, and refuses a wrong password with the generic message", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await session()).toBeNull();

    await signIn(EMAIL, "Not-the-Passw0rd!");
    await expect(page.getByRole("alert").textContent()).resolves.toBe("Wrong email or password.");
    // (The emulator keeps refresh tokens only from password sign-ins, which the tests below need.)
    await signIn(EMAIL, PASSWORD);
    await page.getByRole("heading", { name: "Library" }).waitFor();
  });

  it("stays signed in across a reload, and refreshes a token the API refuses", async () => {
    await page.evaluate(() => {
      const stored = JSON.parse(localStorage.getItem("vos.session")!) as Record<string, unknown>;
      localStorage.setItem("vos.session", JSON.stringify({ ...stored, accessToken: "refused.by.api" }));
    });
    await page.reload();
    await page.getByText("No videos yet.").waitFor();
    expect((await session())?.accessToken).toMatch(/^ey/);
  });

  it("refreshes an access token that is about to expire", async () => {
    await page.evaluate(() => {
      const stored = JSON.parse(localStorage.getItem("vos.session")!) as Record<string, unknown>;
      localStorage.setItem("vos.session", JSON.stringify({ ...stored, expiresAt: Date.now() + 1000 }));
    });
    await page.reload();
    await page.waitForFunction((soon) => (JSON.parse(localStorage.getItem("vos.session") ?? "{}") as { expiresAt?: number }).expiresAt! > soon, Date.now() + 60_000);
    expect((await session())?.accessToken).toMatch(/^ey/);
    await page.getByText("No videos yet.").waitFor();
  });

  it("signs out for good, with no other fault in the page", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await session()).toBeNull();
    expect(unexpectedProblems()).toEqual([]);
  });
});
