import { readFileSync } from "node:fs";
import { ProblemsError } from "../../src/problems";

/** One resource block of a synthesized cdk.tf.json, addressed as `<type>.<name>`. */
export interface TerraformResource {
  readonly type: string;
  readonly name: string;
  readonly address: string;
  readonly body: Record<string, unknown>;
}

/** A `${type.name.attribute}` interpolation, as cdktf writes cross-resource references. */
export interface Reference {
  readonly type: string;
  readonly name: string;
  readonly attribute: string;
}

const WHOLE_REFERENCE = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/;
const ANY_REFERENCE = /\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}/g;

/** The reference a value consists of, or undefined for a literal. */
export function referenceOf(value: unknown): Reference | undefined {
  if (typeof value !== "string") return undefined;
  const match = WHOLE_REFERENCE.exec(value);
  return match ? { type: match[1], name: match[2], attribute: match[3] } : undefined;
}

/** Every reference inside a string, e.g. both halves of `${api.id}.execute-api.${api.region}.amazonaws.com`. */
export function referencesIn(value: unknown): Reference[] {
  if (typeof value !== "string") return [];
  return Array.from(value.matchAll(ANY_REFERENCE), (match) => ({ type: match[1], name: match[2], attribute: match[3] }));
}

/** Read-only view of one stack's Terraform JSON, with reference lookups. */
export class TerraformStack {
  readonly resources: readonly TerraformResource[];
  private readonly byAddress: Map<string, TerraformResource>;

  constructor(readonly stack: string, readonly json: { resource?: Record<string, Record<string, Record<string, unknown>>> }) {
    const resources: TerraformResource[] = [];
    for (const [type, blocks] of Object.entries(json.resource ?? {})) {
      for (const [name, body] of Object.entries(blocks)) resources.push({ type, name, address: `${type}.${name}`, body });
    }
    this.resources = resources;
    this.byAddress = new Map(resources.map((resource) => [resource.address, resource]));
  }

  static read(stack: string, file: string): TerraformStack {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new ProblemsError([`${stack}: cannot read ${file}: ${(error as Error).message}`]);
    }
    return new TerraformStack(stack, json as TerraformStack["json"]);
  }

  ofType(type: string): TerraformResource[] {
    return this.resources.filter((resource) => resource.type === type);
  }

  get(address: string): TerraformResource | undefined {
    return this.byAddress.get(address);
  }

  /** The resource `value` refers to as a whole (`${type.name.attr}`), checked against the expected type and attribute. */
  target(value: unknown, type: string, attribute: string, where: string): TerraformResource {
    const reference = referenceOf(value);
    if (!reference || reference.type !== type || reference.attribute !== attribute) {
      throw new ProblemsError([`${this.stack}: ${where} is ${JSON.stringify(value)}; the emulator expects a reference to ${type}.<name>.${attribute}`]);
    }
    const resource = this.byAddress.get(`${reference.type}.${reference.name}`);
    if (!resource) throw new ProblemsError([`${this.stack}: ${where} refers to ${reference.type}.${reference.name}, which is not in the stack`]);
    return resource;
  }

  /** Resources of `type` whose `field` refers to `to` (any attribute). */
  referring(type: string, field: string, to: TerraformResource): TerraformResource[] {
    return this.ofType(type).filter((resource) => {
      const reference = referenceOf(resource.body[field]);
      return reference !== undefined && `${reference.type}.${reference.name}` === to.address;
    });
  }
}

/** Terraform JSON writes nested blocks as one object or a list of them; either way, a list. */
export function blocks(value: unknown): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
}

export function block(value: unknown): Record<string, unknown> | undefined {
  return blocks(value)[0];
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}
