import { EDGE_ZIP_LIMIT_BYTES, REGIONAL_ZIP_LIMIT_BYTES, UNZIPPED_LIMIT_BYTES, sizeBudgetProblems } from "../../src/build/size-budget";

describe("size budget", () => {
  it("uses AWS's figures: 50 MB zipped for Lambda@Edge and direct upload, 262144000 bytes unzipped", () => {
    expect(EDGE_ZIP_LIMIT_BYTES).toBe(52_428_800);
    expect(REGIONAL_ZIP_LIMIT_BYTES).toBe(52_428_800);
    expect(UNZIPPED_LIMIT_BYTES).toBe(262_144_000);
  });

  it("accepts a zip exactly at the limit", () => {
    expect(sizeBudgetProblems("edge", EDGE_ZIP_LIMIT_BYTES, UNZIPPED_LIMIT_BYTES)).toEqual([]);
  });

  it("names the function, its size and the limit when the edge zip is one byte over", () => {
    const [problem, ...rest] = sizeBudgetProblems("edge", EDGE_ZIP_LIMIT_BYTES + 1, 1000);
    expect(rest).toEqual([]);
    expect(problem).toContain("edge function");
    expect(problem).toContain("52,428,801 bytes");
    expect(problem).toContain("52,428,800 bytes");
  });

  it("checks the regional function's unzipped size too", () => {
    const problems = sizeBudgetProblems("regional", 1000, UNZIPPED_LIMIT_BYTES + 1);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^regional function: unzipped size is .*262,144,001 bytes.*262,144,000 bytes/);
  });
});
