/** Whether the server answers, and what waits for it (lib/connection.ts). */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/api/client";
import { createConnection } from "../src/lib/connection";
import { AWAY_MESSAGE, createSearchStore } from "../src/search/store";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("the connection to the server", () => {
  it("asks the server's health after a lost request, backing off, until it answers; then what waited goes on", async () => {
    const probes: number[] = [];
    let there = false;
    const connection = createConnection({ probe: async () => (probes.push(Date.now()), there), intervalMs: 1000, maxIntervalMs: 4000 });
    const changes: boolean[] = [];
    connection.subscribe(() => changes.push(connection.getSnapshot().online));
    await expect(connection.whenBack()).resolves.toBeUndefined(); // online: at once

    const start = Date.now();
    connection.lost();
    connection.lost(); // once is enough
    expect(connection.getSnapshot()).toEqual({ online: false, since: start });
    let back = false;
    void connection.whenBack().then(() => (back = true));
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000 + 4000);
    expect(probes.map((at) => at - start)).toEqual([1000, 3000, 7000, 11000]);
    expect(back).toBe(false);

    there = true;
    await vi.advanceTimersByTimeAsync(4000);
    expect(back).toBe(true);
    expect(connection.getSnapshot()).toEqual({ online: true });
    expect(changes).toEqual([false, true]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(probes).toHaveLength(5); // no probing while online
  });

  it("is back as soon as any request is answered, without waiting for a probe", async () => {
    const probe = vi.fn(async () => false);
    const connection = createConnection({ probe });
    connection.lost();
    const back = connection.whenBack();
    connection.answered();
    await expect(back).resolves.toBeUndefined();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(probe).not.toHaveBeenCalled();
  });
});

describe("a search while the server is away", () => {
  const answer = { hits: [], modelMismatch: null } as never;

  it("runs again by itself when the server answers, unless another search came meanwhile", async () => {
    const connection = createConnection({ probe: async () => false });
    let calls = 0;
    const api = {
      searchText: async () => {
        calls++;
        if (!connection.getSnapshot().online) throw new ApiError("network", "Cannot reach the server.", 0);
        return answer;
      },
      searchImage: async () => answer,
      searchKeptPicture: async () => answer,
    };
    const store = createSearchStore(api, { connection });
    connection.lost();
    await store.search({ kind: "text", text: "a red image" });
    expect(store.getSnapshot()).toMatchObject({ status: "error", error: AWAY_MESSAGE });
    connection.answered();
    await vi.waitFor(() => expect(store.getSnapshot()).toMatchObject({ status: "done", query: { text: "a red image" } }));
    expect(calls).toBe(2);

    // A newer search (here a clear) since the failure: nothing runs again.
    connection.lost();
    await store.search({ kind: "text", text: "a dog" });
    store.clear();
    connection.answered();
    await vi.advanceTimersByTimeAsync(10);
    expect(store.getSnapshot()).toEqual({ status: "idle" });
    expect(calls).toBe(3);
  });

  it("keeps other failures as they are: no waiting, the message of the server", async () => {
    const connection = createConnection({ probe: async () => false });
    const api = { searchText: async () => Promise.reject(new ApiError("search.bad", "Bad words.", 400)), searchImage: async () => answer, searchKeptPicture: async () => answer };
    const store = createSearchStore(api, { connection });
    await store.search({ kind: "text", text: "x" });
    expect(store.getSnapshot()).toMatchObject({ status: "error", error: "Bad words." });
  });
});
