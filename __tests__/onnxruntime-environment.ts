import type { EnvironmentContext, JestEnvironmentConfig } from "@jest/environment";
import { TestEnvironment } from "jest-environment-node";

/**
 * Jest runs each test file in its own V8 context, so typed arrays made there fail onnxruntime's
 * `instanceof Float32Array` checks against the arrays its native binding returns (and vice versa).
 * Sharing the host's constructors keeps both sides in one realm.
 */
export default class OnnxRuntimeEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const shared = [
      "ArrayBuffer", "SharedArrayBuffer", "DataView",
      "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array",
      "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
    ] as const;
    for (const name of shared) this.global[name] = globalThis[name] as never;
  }
}
