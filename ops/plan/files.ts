import { renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative } from "node:path";

/** Writes beside the target and renames over it, so a reader never sees half a file. */
export function writeAtomically(file: string, content: string | Buffer): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

export function removeFiles(files: readonly string[]): void {
  for (const file of files) rmSync(file, { force: true, recursive: true });
}

/** Stable JSON for files people diff and machines read: two-space indent, trailing newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** A path as a person at the terminal would type it: relative when under the working directory, else absolute. */
export function displayPath(file: string): string {
  const fromHere = relative(process.cwd(), file);
  return fromHere !== "" && !fromHere.startsWith("..") && !isAbsolute(fromHere) ? fromHere : file;
}
