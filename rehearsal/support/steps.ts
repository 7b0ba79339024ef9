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
  #running = 0;

  constructor(private readonly log: (line: string) => void) {}

  get failed(): boolean {
    return this.#failed !== undefined;
  }

  /**
   * Runs `work` unless an earlier step failed (then it is recorded as skipped). `work` returns
   * the step's detail line; a throw fails the step with the error as detail. Steps may overlap
   * (steps that wait on the network beside steps that compute): each keeps its place in the
   * results in the order it started, and names itself in its last line while another one runs.
   */
  async run<T>(name: string, work: () => Promise<{ detail: string; value: T }>): Promise<T | undefined> {
    if (this.#failed) {
      this.results.push({ name, ok: false, ms: 0, detail: `skipped: ${this.#failed} failed` });
      return undefined;
    }
    this.log(`- ${name}`);
    const result: StepResult = { name, ok: false, ms: 0, detail: "running" };
    this.results.push(result);
    this.#running++;
    const started = performance.now();
    const said = (outcome: string) => {
      const shared = this.#running > 1 ? ` (${name})` : "";
      this.log(`  ${outcome}${shared}: ${result.detail}`);
    };
    try {
      const { detail, value } = await work();
      Object.assign(result, { ok: true, ms: Math.round(performance.now() - started), detail });
      said(`ok in ${(result.ms / 1000).toFixed(1)} s`);
      return value;
    } catch (error) {
      Object.assign(result, { ms: Math.round(performance.now() - started), detail: error instanceof Error ? error.message : String(error) });
      said(`FAILED after ${(result.ms / 1000).toFixed(1)} s`);
      if (error instanceof Error && error.stack) this.log(error.stack.split("\n").slice(1, 6).join("\n"));
      this.#failed ??= name;
      return undefined;
    } finally {
      this.#running--;
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
