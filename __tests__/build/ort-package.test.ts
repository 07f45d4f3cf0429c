import { selectOrtRuntimeFiles, ortPackageVersion } from "../../src/build/ort-package";
import { PROJECT_ROOT } from "./temp-project";

describe("selectOrtRuntimeFiles", () => {
  let paths: string[];
  beforeAll(async () => {
    paths = (await selectOrtRuntimeFiles(PROJECT_ROOT)).map((file) => file.path);
  });

  it("carries the linux-x64 native libraries and no other platform's", () => {
    const natives = paths.filter((path) => path.includes("/bin/"));
    expect(natives).toEqual([
      "node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1",
      "node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node",
    ]);
  });

  it("carries the JavaScript that loading the package requires, with the package.json files node reads", () => {
    expect(paths).toEqual(
      expect.arrayContaining([
        "node_modules/onnxruntime-node/package.json",
        "node_modules/onnxruntime-node/dist/index.js",
        "node_modules/onnxruntime-node/dist/binding.js",
        "node_modules/onnxruntime-common/package.json",
        "node_modules/onnxruntime-common/dist/cjs/package.json",
        "node_modules/onnxruntime-common/dist/cjs/index.js",
      ]),
    );
  });

  it("leaves out install-time dependencies, ES module builds, typings and source maps", () => {
    expect(paths.filter((path) => /adm-zip|global-agent|\/esm\/|\.d\.ts$|\.map$|\/lib\/|\/script\//.test(path))).toEqual([]);
    expect(paths.every((path) => /^node_modules\/onnxruntime-(node|common)\//.test(path))).toBe(true);
  });

  it("reads the installed version", () => {
    expect(ortPackageVersion(PROJECT_ROOT)).toBe("1.30.0");
  });
});
