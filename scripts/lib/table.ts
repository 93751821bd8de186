/**
 * Terminal tables and colours for the config CLI. Colour only when stdout is a TTY and
 * NO_COLOR is unset or empty (https://no-color.org); column widths ignore colour codes,
 * so the columns line up with and without colour.
 */

export interface Paint {
  readonly enabled: boolean;
  readonly green: (text: string) => string;
  readonly red: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
}

/** Whether output should be coloured: a terminal, and NO_COLOR unset or empty. */
export function colourWanted(
  isTTY: boolean | undefined = process.stdout.isTTY,
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  const noColor = env["NO_COLOR"];
  return isTTY === true && (noColor === undefined || noColor === "");
}

const sgr = (on: number, off: number) => (text: string) => `\x1b[${on}m${text}\x1b[${off}m`;

export function paint(enabled: boolean = colourWanted()): Paint {
  const plain = (text: string): string => text;
  return enabled
    ? { enabled, green: sgr(32, 39), red: sgr(31, 39), yellow: sgr(33, 39), dim: sgr(2, 22), bold: sgr(1, 22) }
    : { enabled, green: plain, red: plain, yellow: plain, dim: plain, bold: plain };
}

// The SGR sequences paint() writes.
const ANSI = /\x1b\[[0-9;]*m/g;

/** Columns a string takes on the terminal (colour codes take none). */
export function displayWidth(text: string): number {
  return [...text.replace(ANSI, "")].length;
}

/**
 * Rows under a header, columns two spaces apart, the last column unpadded. `maxWidth`
 * caps a column (longer cells end in …); cells must be uncoloured to be cut.
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  p: Paint,
  maxWidth: readonly (number | undefined)[] = [],
): string {
  const cut = (cell: string, column: number): string => {
    const max = maxWidth[column];
    if (max === undefined || displayWidth(cell) <= max) return cell;
    return `${[...cell].slice(0, Math.max(1, max - 1)).join("")}…`;
  };
  const cells = rows.map((row) => row.map((cell, column) => cut(cell, column)));
  const widths = header.map((title, column) => Math.max(displayWidth(title), ...cells.map((row) => displayWidth(row[column] ?? ""))));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell + " ".repeat((widths[column] ?? 0) - displayWidth(cell))))
      .join("  ")
      .trimEnd();
  return [p.bold(line(header)), ...cells.map(line)].join("\n");
}
