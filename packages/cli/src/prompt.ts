import { createInterface, type Interface } from "node:readline";
import { ApiError } from "@vos/contract";

/**
 * Questions for a person, asked on stderr (stdout stays for results). On a terminal a secret is
 * read without echo; without one (a script, a pipe) each answer is the next line of stdin, so
 * `printf '%s\n' "$PASSWORD" | vos login --password-stdin` works, and so do later questions.
 */
export interface Prompter {
  ask(question: string): Promise<string>;
  askSecret(question: string): Promise<string>;
  close(): void;
}

export function createPrompter(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Prompter {
  const terminal = Boolean(input.isTTY);
  let lines: { next(question: string): Promise<string>; close(): void } | undefined;

  /** Lines of a piped stdin, handed out one per question. */
  function pipedLines() {
    const reader: Interface = createInterface({ input, terminal: false });
    const ready: string[] = [];
    const waiting: { resolve: (line: string) => void; reject: (error: Error) => void; question: string }[] = [];
    let ended = false;
    const noAnswer = (question: string) =>
      new ApiError("cli.no_input", `No answer to "${question.trim()}" on standard input: run vos login in a terminal, or pipe one line per question.`, 0);
    reader.on("line", (line) => {
      const waiter = waiting.shift();
      if (waiter) waiter.resolve(line);
      else ready.push(line);
    });
    reader.on("close", () => {
      ended = true;
      for (const waiter of waiting.splice(0)) waiter.reject(noAnswer(waiter.question));
    });
    return {
      next(question: string) {
        const line = ready.shift();
        if (line !== undefined) return Promise.resolve(line);
        if (ended) return Promise.reject(noAnswer(question));
        return new Promise<string>((resolve, reject) => waiting.push({ resolve, reject, question }));
      },
      close: () => reader.close(),
    };
  }

  function askVisible(question: string): Promise<string> {
    const reader = createInterface({ input, output, terminal: true });
    return new Promise((resolve) =>
      reader.question(question, (answer) => {
        reader.close();
        resolve(answer);
      }),
    );
  }

  /** Reads a line in raw mode, echoing nothing. Ctrl-C stops the command as it would anywhere. */
  function askHidden(question: string): Promise<string> {
    output.write(question);
    return new Promise((resolve) => {
      let value = "";
      const done = () => {
        input.off("data", onData);
        input.setRawMode(false);
        input.pause();
        output.write("\n");
      };
      const onData = (chunk: Buffer | string) => {
        for (const char of String(chunk)) {
          if (char === "\r" || char === "\n" || char === "\u0004") {
            done();
            resolve(value);
            return;
          }
          if (char === "\u0003") {
            done();
            process.kill(process.pid, "SIGINT");
            return;
          }
          if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
          else value += char;
        }
      };
      input.setRawMode(true);
      input.setEncoding("utf8");
      input.resume();
      input.on("data", onData);
    });
  }

  const fromPipe = (question: string) => {
    output.write(question + "\n");
    lines ??= pipedLines();
    return lines.next(question);
  };

  return {
    ask: (question) => (terminal ? askVisible(question) : fromPipe(question)),
    askSecret: (question) => (terminal ? askHidden(question) : fromPipe(question)),
    close: () => lines?.close(),
  };
}
