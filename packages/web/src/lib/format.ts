/** 1.5 MB, 820 KB, 12 B (decimal units, as file managers show them). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "";
  if (bytes < 1000) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/** 0:05, 1:02:03; tenths when `precise` and the time is not whole. */
export function formatTime(seconds: number, precise = false): string {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const whole = precise ? Math.floor(seconds * 10) / 10 : Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const sText = precise && !Number.isInteger(s) ? s.toFixed(1).padStart(4, "0") : String(Math.floor(s)).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sText}` : `${m}:${sText}`;
}

/** 0:00–0:05 (a single time when start and end round to the same second). */
export function formatRange(start: number, end: number): string {
  const a = formatTime(start);
  const b = formatTime(end);
  return a === b ? a : `${a}–${b}`;
}

/** Cosine similarity with two decimals: 0.31. */
export function formatScore(score: number): string {
  return score.toFixed(2);
}

export function formatDuration(seconds: number | null): string {
  return seconds === null ? "" : formatTime(seconds);
}

/** 12 % */
export function percent(fraction: number): string {
  return `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)} %`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString("en")} ${count === 1 ? one : many}`;
}
