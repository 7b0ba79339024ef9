/** Rendering React components into happy-dom for the component tests. */
import { act, type ReactElement } from "react";
import { createRoot } from "react-dom/client";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface Rendered {
  container: HTMLElement;
  rerender(element: ReactElement): void;
  unmount(): void;
}

export function render(element: ReactElement): Rendered {
  const container = document.createElement("div");
  document.body.append(container);
  const root = createRoot(container);
  act(() => root.render(element));
  return {
    container,
    rerender: (next) => act(() => root.render(next)),
    unmount: () => {
      act(() => root.unmount());
      container.remove();
    },
  };
}

/** Types into an input the way React sees it (the value setter, then an input event). */
export function typeInto(input: HTMLInputElement, value: string): void {
  act(() => {
    const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), "value")!.set!;
    setter.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

/** Submits the field's form, as Enter in the field does in a browser. */
export function submitFrom(input: HTMLInputElement): void {
  act(() => input.form!.requestSubmit());
}

export function click(element: Element): void {
  act(() => {
    (element as HTMLElement).click();
  });
}

/** Resolves when `check` returns true after a store change (checked at once too). */
export function until<S>(store: { subscribe(listener: () => void): () => void; getSnapshot(): S }, check: (state: S) => boolean, timeoutMs = 30_000): Promise<S> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out; last state: ${JSON.stringify(store.getSnapshot())}`));
    }, timeoutMs);
    const test = () => {
      const state = store.getSnapshot();
      if (!check(state)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(state);
    };
    const unsubscribe = store.subscribe(test);
    test();
  });
}

export { act };
