/** @type {import('jest').Config} */
module.exports = {
  // Node environment whose typed-array constructors are the host's, so onnxruntime-node's instanceof checks pass.
  testEnvironment: "<rootDir>/__tests__/onnxruntime-environment.ts",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // tsconfig sets isolatedModules, so ts-jest transpiles file by file; `tsc --noEmit` in `npm test` type-checks once.
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  testTimeout: 60000,
};
