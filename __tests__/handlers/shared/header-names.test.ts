import { displayHeaderName } from "../../../handlers/shared/header-names";

describe("displayHeaderName", () => {
  it("capitalises each dash-separated word, as CloudFront event header keys are spelled", () => {
    expect(displayHeaderName("content-type")).toBe("Content-Type");
    expect(displayHeaderName("inference-header-content-length")).toBe("Inference-Header-Content-Length");
    expect(displayHeaderName("x-cache")).toBe("X-Cache");
    expect(displayHeaderName("allow")).toBe("Allow");
    expect(displayHeaderName("x-3d-2")).toBe("X-3d-2");
  });
});
