import type { ModelArtifact } from "../../src/config/models";
import { generateRuntimeConfig, serializeRuntimeConfig, VERSIONED_TTL_SECONDS } from "../../src/build/runtime-config";

function artifact(name: string, serve: "edge" | "regional", version: string, manifest?: ModelArtifact["manifest"]): ModelArtifact {
  return {
    name,
    serve,
    directory: `/p/models/${name}`,
    modelPath: `/p/models/${name}/model.onnx`,
    manifestPath: manifest ? `/p/models/${name}/model.json` : undefined,
    manifest,
    sha256: "0".repeat(64),
    version,
  };
}

const config = { cache: { minTtlSeconds: 0, defaultTtlSeconds: 300, maxTtlSeconds: 3600 } };
const models = [
  artifact("titanic", "regional", "bea427a029b8"),
  artifact("iris", "edge", "1", { version: "1", labels: { label: ["setosa", "versicolor", "virginica"] } }),
];

describe("generateRuntimeConfig", () => {
  it("gives the edge bundle only the edge models, each with its file", () => {
    expect(generateRuntimeConfig(config, models, "edge").models).toEqual([
      {
        name: "iris",
        version: "1",
        serve: "edge",
        modelFile: "models/iris/model.onnx",
        manifest: { version: "1", labels: { label: ["setosa", "versicolor", "virginica"] } },
      },
    ]);
  });

  it("gives the regional bundle every model, since it is also the edge models' fallback", () => {
    const regional = generateRuntimeConfig(config, models, "regional");
    expect(regional.models.map((model) => [model.name, model.serve, model.modelFile])).toEqual([
      ["iris", "edge", "models/iris/model.onnx"],
      ["titanic", "regional", "models/titanic/model.onnx"],
    ]);
    expect(regional.models[1]).not.toHaveProperty("manifest");
  });

  it("caches versioned paths for a year and unversioned ones for the configured default TTL", () => {
    expect(generateRuntimeConfig(config, models, "edge").cache).toEqual({ unversionedTtlSeconds: 300, versionedTtlSeconds: 31_536_000 });
    expect(VERSIONED_TTL_SECONDS).toBe(365 * 24 * 60 * 60);
    expect(generateRuntimeConfig(config, models, "edge").schemaVersion).toBe(1);
  });

  it("serializes to the same text whatever order models and manifest keys come in", () => {
    const reordered = [
      artifact("iris", "edge", "1", { labels: { label: ["setosa", "versicolor", "virginica"] }, version: "1" }),
      models[0],
    ];
    expect(serializeRuntimeConfig(generateRuntimeConfig(config, reordered, "regional"))).toBe(
      serializeRuntimeConfig(generateRuntimeConfig(config, models, "regional")),
    );
  });
});
