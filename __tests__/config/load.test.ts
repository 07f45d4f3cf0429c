import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SHARED_FIXTURES } from "../shared-fixtures";
import { ConfigError } from "../../src/config/errors";
import { listEnvironments, loadEnvironment } from "../../src/config/load";

const ROOT = join(__dirname, "..", "..");
const FIXTURE_MODEL = join(SHARED_FIXTURES, "models", "ort-quickstart-matmul.onnx");

type Json = Record<string, unknown>;

/** A throwaway project: config/<env>.json and models/iris/model.onnx (a real ONNX file). */
function project(mutate: (config: Json) => void = () => undefined): { dir: string; configDir: string; modelsRoot: string } {
  const dir = mkdtempSync(join(tmpdir(), "edge-inference-config-"));
  const configDir = join(dir, "config");
  const modelsRoot = join(dir, "models");
  mkdirSync(configDir);
  mkdirSync(join(modelsRoot, "iris"), { recursive: true });
  copyFileSync(FIXTURE_MODEL, join(modelsRoot, "iris", "model.onnx"));
  const config = JSON.parse(readFileSync(join(ROOT, "config", "dev.json"), "utf8")) as Json;
  mutate(config);
  writeFileSync(join(configDir, "dev.json"), JSON.stringify(config, null, 2));
  return { dir, configDir, modelsRoot };
}

function problemsFor(mutate: (config: Json) => void, prepare?: (paths: ReturnType<typeof project>) => void): string[] {
  const paths = project(mutate);
  prepare?.(paths);
  try {
    loadEnvironment("dev", paths);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  } finally {
    rmSync(paths.dir, { recursive: true, force: true });
  }
  throw new Error("expected the config to be rejected");
}

describe("environment config", () => {
  it.each(listEnvironments(join(ROOT, "config")))("the committed %s config loads with its models resolved", (name) => {
    const loaded = loadEnvironment(name, { configDir: join(ROOT, "config"), modelsRoot: join(ROOT, "models") });
    expect(loaded.config.environment).toBe(name);
    expect(loaded.models.length).toBeGreaterThan(0);
    for (const model of loaded.models) expect(model.version).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it("ships dev and prod", () => {
    expect(listEnvironments(join(ROOT, "config"))).toEqual(expect.arrayContaining(["dev", "prod"]));
  });

  it("computes a model's version from its bytes when it has no manifest", () => {
    const paths = project();
    try {
      const { models } = loadEnvironment("dev", paths);
      expect(models[0].version).toBe(models[0].sha256.slice(0, 12));
    } finally {
      rmSync(paths.dir, { recursive: true, force: true });
    }
  });

  it("names file, field and expected type for a wrong type", () => {
    expect(problemsFor((c) => ((c.lambda as Json).edge = { memoryMb: "1024", timeoutSeconds: 30 }))).toEqual([
      expect.stringMatching(/^config\/dev\.json: lambda\.edge\.memoryMb: .*expected number, received string/),
    ]);
  });

  it("lists the allowed regions for an unknown region", () => {
    const [problem] = problemsFor((c) => (c.region = "eu-westeros-1"));
    expect(problem).toMatch(/^config\/dev\.json: region: unknown AWS region "eu-westeros-1"; allowed: .*eu-west-1/);
  });

  it("rejects a domain that is not a DNS name, and a record outside its zone", () => {
    expect(problemsFor((c) => (c.domain = { zoneName: "example.com", recordName: "Not A Host!" }))).toEqual([
      expect.stringMatching(/^config\/dev\.json: domain\.recordName: must be a lower-case DNS name/),
    ]);
    expect(problemsFor((c) => (c.domain = { zoneName: "example.com", recordName: "api.example.org" }))).toEqual([
      expect.stringMatching(/^config\/dev\.json: domain\.recordName: must be example\.com or a name inside it/),
    ]);
  });

  it("names the missing model folder", () => {
    expect(problemsFor((c) => (c.models = { iris: { serve: "edge" }, resnet: { serve: "regional" } }))).toEqual([
      expect.stringMatching(/^config\/dev\.json: models\.resnet: no folder .*models\/resnet; add models\/resnet\/model\.onnx/),
    ]);
  });

  it("names a model folder without model.onnx", () => {
    const problems = problemsFor(
      (c) => (c.models = { iris: { serve: "edge" }, empty: { serve: "edge" } }),
      ({ modelsRoot }) => mkdirSync(join(modelsRoot, "empty")),
    );
    expect(problems).toEqual([expect.stringMatching(/models\.empty: .*models\/empty\/model\.onnx is missing/)]);
  });

  it("names an invalid model manifest field", () => {
    const problems = problemsFor(
      () => undefined,
      ({ modelsRoot }) => writeFileSync(join(modelsRoot, "iris", "model.json"), JSON.stringify({ version: "has space" })),
    );
    expect(problems).toEqual([expect.stringMatching(/models\/iris\/model\.json: version: must be 1-64 characters/)]);
  });

  it("rejects an unknown serving mode and lists the allowed ones", () => {
    const [problem] = problemsFor((c) => (c.models = { iris: { serve: "edgy" } }));
    expect(problem).toMatch(/^config\/dev\.json: models\.iris\.serve: .*"edge"\|"regional"/);
  });

  it("rejects a price class typo and lists the allowed ones", () => {
    const [problem] = problemsFor((c) => ((c.distribution as Json).priceClass = "PriceClass_50"));
    expect(problem).toBe(
      'config/dev.json: distribution.priceClass: unknown price class "PriceClass_50"; allowed: PriceClass_100, PriceClass_200, PriceClass_All',
    );
  });

  it("rejects TTLs out of CloudFront's order", () => {
    const [problem] = problemsFor((c) => (c.cache = { minTtlSeconds: 600, defaultTtlSeconds: 300, maxTtlSeconds: 60 }));
    expect(problem).toMatch(/^config\/dev\.json: cache: CloudFront requires minTtlSeconds <= defaultTtlSeconds <= maxTtlSeconds/);
  });

  it("rejects a minimum TTL above 0, which would cache no-store errors, and all-zero TTLs", () => {
    expect(problemsFor((c) => (c.cache = { minTtlSeconds: 60, defaultTtlSeconds: 300, maxTtlSeconds: 3600 }))).toEqual([
      "config/dev.json: cache.minTtlSeconds: must be 0: above 0, CloudFront caches even responses marked Cache-Control: no-store (health checks, errors)",
    ]);
    expect(problemsFor((c) => (c.cache = { minTtlSeconds: 0, defaultTtlSeconds: 0, maxTtlSeconds: 0 }))).toEqual([
      "config/dev.json: cache.maxTtlSeconds: must be above 0: the inference cache policy keys on query strings and compression, which CloudFront refuses when every TTL is 0",
    ]);
  });

  it("rejects an edge timeout above the Lambda@Edge origin-request limit", () => {
    const [problem] = problemsFor((c) => ((c.lambda as Json).edge = { memoryMb: 1024, timeoutSeconds: 60 }));
    expect(problem).toBe("config/dev.json: lambda.edge.timeoutSeconds: must be at most 30 (the Lambda@Edge origin-request limit)");
  });

  it("rejects unknown keys, so a typo never silently falls back to a default", () => {
    const [problem] = problemsFor((c) => (c.priceclass = "PriceClass_100"));
    expect(problem).toMatch(/^config\/dev\.json: \(root\): .*priceclass/);
  });

  it("reports every problem at once, one line each", () => {
    const problems = problemsFor((c) => {
      c.account = "12345";
      c.region = "mars-1";
      c.logRetentionDays = 13;
    });
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(": ")[1])).toEqual(["account", "region", "logRetentionDays"]);
  });

  it("says when the file is not JSON", () => {
    const paths = project();
    writeFileSync(join(paths.configDir, "dev.json"), "{ not json");
    try {
      expect(() => loadEnvironment("dev", paths)).toThrow(/^config\/dev\.json: not valid JSON/);
    } finally {
      rmSync(paths.dir, { recursive: true, force: true });
    }
  });

  it("names the known environments for an unknown one", () => {
    const paths = project();
    try {
      expect(() => loadEnvironment("staging", paths)).toThrow("config/staging.json: no such environment file; known environments: dev");
    } finally {
      rmSync(paths.dir, { recursive: true, force: true });
    }
  });

  it("requires the environment field to match the file name", () => {
    expect(problemsFor((c) => (c.environment = "prod"))).toEqual([
      'config/dev.json: environment: must be "dev" to match the file name (got "prod")',
    ]);
  });
});

describe("environment config: edge extras", () => {
  function loaded(mutate: (config: Json) => void) {
    const paths = project(mutate);
    try {
      return loadEnvironment("dev", paths).config;
    } finally {
      rmSync(paths.dir, { recursive: true, force: true });
    }
  }

  it("sends access logs to S3 when distribution.accessLogs is omitted", () => {
    expect(loaded(() => undefined).distribution.accessLogs).toEqual({ destination: "s3" });
  });

  it("accepts CloudWatch Logs as the access log destination", () => {
    expect(loaded((c) => ((c.distribution as Json).accessLogs = { destination: "cloudwatch" })).distribution.accessLogs).toEqual({
      destination: "cloudwatch",
    });
  });

  it("rejects an unknown access log destination and lists the allowed ones", () => {
    expect(problemsFor((c) => ((c.distribution as Json).accessLogs = { destination: "firehose" }))).toEqual([
      'config/dev.json: distribution.accessLogs.destination: unknown access log destination "firehose"; allowed: s3, cloudwatch',
    ]);
  });

  it("rejects a custom domain without a zone, saying what the zone is for", () => {
    expect(problemsFor((c) => (c.domain = { recordName: "inference.example.com" }))).toEqual([
      expect.stringMatching(/^config\/dev\.json: domain\.zoneName: is required with a custom domain: the public Route53 hosted zone that holds recordName/),
    ]);
  });

  it("still names a zone of the wrong type as a type error", () => {
    expect(problemsFor((c) => (c.domain = { zoneName: 42, recordName: "inference.example.com" }))).toEqual([
      expect.stringMatching(/^config\/dev\.json: domain\.zoneName: .*expected string, received number/),
    ]);
  });

  it("rejects an SNS topic outside the regions whose alarms must reach it, when no e-mail can get a topic created", () => {
    const topic = "arn:aws:sns:eu-west-1:111111111111:oncall";
    expect(problemsFor((c) => (c.alarms = { snsTopicArn: topic }))).toEqual([
      "config/dev.json: alarms.snsTopicArn: is in eu-west-1, but alarms in us-east-1 can only notify a topic in their own region (CloudFront's alarms live in us-east-1); add alarms.email so a topic is created in each region that needs one",
    ]);
  });

  it("accepts a topic outside us-east-1 together with an e-mail, and a topic alone when everything is in us-east-1", () => {
    const both = loaded((c) => (c.alarms = { email: "oncall@example.com", snsTopicArn: "arn:aws:sns:eu-west-1:111111111111:oncall" }));
    expect(both.alarms.snsTopicArn).toBe("arn:aws:sns:eu-west-1:111111111111:oncall");
    const usEast1Only = loaded((c) => {
      c.region = "us-east-1";
      c.alarms = { snsTopicArn: "arn:aws:sns:us-east-1:111111111111:oncall" };
    });
    expect(usEast1Only.alarms).toEqual({ snsTopicArn: "arn:aws:sns:us-east-1:111111111111:oncall" });
  });
});
