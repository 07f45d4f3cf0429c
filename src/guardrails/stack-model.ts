import {
  DefaultTokenResolver,
  StringConcat,
  TerraformDataSource,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  Tokenization,
} from "cdktf";
import { edgeFunctionDeclaration, type EdgeFunctionDeclaration } from "./edge-declarations";

export type Config = Readonly<Record<string, unknown>>;

/** A resource or data source as it appears in cdk.tf.json: snake_case keys, references as `${...}` strings. */
export interface ResolvedElement {
  readonly kind: "resource" | "data";
  readonly type: string;
  /** Terraform address: `aws_lambda_function.name` or `data.aws_iam_policy_document.name`. */
  readonly address: string;
  readonly path: string;
  readonly config: Config;
  readonly edgeDeclaration: EdgeFunctionDeclaration | undefined;
}

const RESOLVER = new DefaultTokenResolver(new StringConcat());

/** What cdktf writes to cdk.tf.json for `fragment`, including escape-hatch overrides. */
function resolveInStack<T>(stack: TerraformStack, fragment: T): T {
  return Tokenization.resolve(fragment, { scope: stack, resolver: RESOLVER }) as T;
}

/**
 * One stack's resources, data sources and providers, gathered while the guardrails aspect walks
 * it and resolved only when the rules run, so changes other aspects make during the walk count.
 */
export class StackModel {
  private readonly nodes: (TerraformResource | TerraformDataSource)[] = [];
  private readonly providers: TerraformProvider[] = [];
  private resolved: { elements: ResolvedElement[]; byAddress: Map<string, ResolvedElement>; regions: Map<string, unknown> } | undefined;

  constructor(private readonly stack: TerraformStack) {}

  public add(node: TerraformResource | TerraformDataSource): void {
    this.nodes.push(node);
    this.resolved = undefined;
  }

  public addProvider(provider: TerraformProvider): void {
    this.providers.push(provider);
    this.resolved = undefined;
  }

  /** In construct order. */
  public get elements(): readonly ResolvedElement[] {
    return this.resolve().elements;
  }

  public element(address: string): ResolvedElement | undefined {
    return this.resolve().byAddress.get(address);
  }

  public ofType(type: string, kind: ResolvedElement["kind"] = "resource"): ResolvedElement[] {
    return this.elements.filter((element) => element.type === type && element.kind === kind);
  }

  /**
   * The region an AWS resource is created in: its own `region` argument (AWS provider 6), else its
   * provider's. Undefined when neither pins one, e.g. a provider that takes AWS_REGION from the shell.
   */
  public regionOf(element: ResolvedElement): string | undefined {
    if (typeof element.config.region === "string") return element.config.region;
    const provider = typeof element.config.provider === "string" ? element.config.provider : element.type.split("_")[0];
    const region = this.resolve().regions.get(provider);
    return typeof region === "string" ? region : undefined;
  }

  private resolve() {
    if (this.resolved !== undefined) return this.resolved;
    const elements: ResolvedElement[] = [];
    for (const node of this.nodes) {
      const element = this.resolveElement(node);
      if (element !== undefined) elements.push(element);
    }
    // Provider region by the name resources use for it: `aws`, or `aws.<alias>`.
    const regions = new Map<string, unknown>();
    for (const provider of this.providers) {
      const fragment = resolveInStack(this.stack, provider.toTerraform()) as { provider?: Record<string, Config[]> };
      for (const [type, providerBlocks] of Object.entries(fragment.provider ?? {})) {
        for (const block of providerBlocks) {
          regions.set(typeof block.alias === "string" ? `${type}.${block.alias}` : type, block.region);
        }
      }
    }
    this.resolved = { elements, byAddress: new Map(elements.map((element) => [element.address, element])), regions };
    return this.resolved;
  }

  private resolveElement(node: TerraformResource | TerraformDataSource): ResolvedElement | undefined {
    const kind = TerraformResource.isTerraformResource(node) ? "resource" : "data";
    const fragment = resolveInStack(this.stack, node.toTerraform()) as Record<string, Record<string, Record<string, Config>> | undefined>;
    const config = fragment[kind]?.[node.terraformResourceType]?.[node.friendlyUniqueId];
    // A resource with a `moved` block renders only the move; the destination is checked instead.
    if (config === undefined) return undefined;
    return {
      kind,
      type: node.terraformResourceType,
      address: `${kind === "data" ? "data." : ""}${node.terraformResourceType}.${node.friendlyUniqueId}`,
      path: node.node.path,
      config,
      edgeDeclaration: TerraformResource.isTerraformResource(node) ? edgeFunctionDeclaration(node) : undefined,
    };
  }
}

/** A nested block as a list: cdktf writes single blocks as objects and repeated ones as arrays. */
export function blocks(value: unknown): Config[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((item): item is Config => typeof item === "object" && item !== null);
}

export function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

/** A number Terraform will see as a literal; undefined for references and variables. */
export function literalNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}
