import { ProblemsError } from "../src/problems";

/** The one-line problems `run` throws as a ProblemsError; fails the test when it throws nothing or something else. */
export function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ProblemsError) return [...error.problems];
    throw error;
  }
  throw new Error("expected a ProblemsError");
}
