/** The rehearsal's steps: each timed, its outcome recorded, a failure stopping those after it. */

export interface StepResult {
  name: string;
  ok: boolean;
  ms: number;
  detail: string;
}

export class Steps {
  readonly results: StepResult[] = [];
  #failed: string | undefined;

  constructor(private readonly log: (line: string) => void) {}

  get failed(): boolean {
    return this.#failed !== undefined;
  }

  /**
   * Runs `work` unless an earlier step failed (then it is recorded as skipped). `work` returns
   * the step's detail line; a throw fails the step with the error as detail.
   */
  async run<T>(name: string, work: () => Promise<{ detail: string; value: T }>): Promise<T | undefined> {
    if (this.#failed) {
      this.results.push({ name, ok: false, ms: 0, detail: `skipped: ${this.#failed} failed` });
      return undefined;
    }
    this.log(`- ${name}`);
    const started = performance.now();
    try {
      const { detail, value } = await work();
      const ms = Math.round(performance.now() - started);
      this.results.push({ name, ok: true, ms, detail });
      this.log(`  ok in ${(ms / 1000).toFixed(1)} s: ${detail}`);
      return value;
    } catch (error) {
      const ms = Math.round(performance.now() - started);
      const detail = error instanceof Error ? error.message : String(error);
      this.results.push({ name, ok: false, ms, detail });
      this.log(`  FAILED after ${(ms / 1000).toFixed(1)} s: ${detail}`);
      if (error instanceof Error && error.stack) this.log(error.stack.split("\n").slice(1, 6).join("\n"));
      this.#failed = name;
      return undefined;
    }
  }
}

/** Polls `check` until it returns a value, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
