/**
 * The contract between `bench/run.ts` and its sections. A section is a module in
 * `bench/sections/<name>.ts` exporting `run(context): Promise<SectionResult>`; the runner times
 * it, prints its tables and stores its result under `sections.<name>` in the results file.
 */

/** A value in a printed table: numbers are formatted by the printer, null prints as "-". */
export type Cell = string | number | null;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
}

export interface SectionResult {
  /** One line saying what the section measured. */
  title: string;
  /** Everything that changes the numbers: sizes, counts, options, model. */
  settings: Record<string, unknown>;
  /** The measurements, as plain JSON (nested objects of numbers, milliseconds unless named). */
  metrics: Record<string, unknown>;
  /** What is printed; the same numbers as `metrics`, laid out for reading. */
  tables: Table[];
  /** Caveats worth reading next to the numbers. */
  notes?: string[];
}

export interface BenchContext {
  /** Absolute path of the repository root. */
  repoRoot: string;
  /** `<repo>/.cache/bench`: generated inputs kept between runs (videos, the model lives beside). */
  cacheDir: string;
  /** A folder for this run only, removed when the run ends. */
  tmpDir: string;
  /** `--quick`: smaller sizes for a fast smoke run (numbers are then not comparable). */
  quick: boolean;
  /** A progress line on stderr, prefixed with the section name and the time since it started. */
  progress(message: string): void;
}

export type Section = (context: BenchContext) => Promise<SectionResult>;
