/** A bounded list of the last log lines a child process or worker wrote. */
export class LogTail {
  readonly lines: string[] = [];
  readonly #max: number;

  constructor(max = 60) {
    this.#max = max;
  }

  push(text: string): void {
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      this.lines.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
      if (this.lines.length > this.#max) this.lines.shift();
    }
  }
}
