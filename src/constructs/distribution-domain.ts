import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Token, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { CLOUDFRONT_CONTROL_REGION } from "../config/regions";
import { ProblemsError } from "../problems";

/** The hosted zone every CloudFront distribution answers from; Route53 alias records to a distribution name it. */
export const CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2";
export const VALIDATION_RECORD_TTL_SECONDS = 60;

export interface DistributionCertificateProps {
  /** A public Route53 hosted zone in this account, e.g. example.com. */
  readonly zoneName: string;
  /** The name viewers use: the zone's apex or a name inside it, e.g. inference.example.com. */
  readonly recordName: string;
  /** The us-east-1 provider: CloudFront only uses ACM certificates issued there. */
  readonly provider: TerraformProvider;
}

/** What an alias record points at; an InferenceDistribution satisfies this. */
export interface AliasTarget {
  /** The distribution's *.cloudfront.net name. */
  readonly domainName: string;
  /** Always Z2FDTNDATAQYW2 for CloudFront; pass the distribution's `hosted_zone_id` attribute. */
  readonly hostedZoneId: string;
}

const HOSTNAME_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function isHostname(value: string): boolean {
  const labels = value.split(".");
  return value.length <= 253 && labels.length >= 2 && labels.every((label) => HOSTNAME_LABEL.test(label));
}

function regionProblem(provider: TerraformProvider, what: string): string | undefined {
  const region = provider instanceof AwsProvider ? provider.region : undefined;
  const fix = `pass the ${CLOUDFRONT_CONTROL_REGION} provider (AwsProviders.usEast1)`;
  if (region === undefined) return `provider: sets no region; ${what} must be in ${CLOUDFRONT_CONTROL_REGION}, so ${fix}`;
  if (!Token.isUnresolved(region) && region !== CLOUDFRONT_CONTROL_REGION) {
    return `provider: is in ${region}; ${what} must be in ${CLOUDFRONT_CONTROL_REGION}, so ${fix}`;
  }
  return undefined;
}

/**
 * A custom domain for the distribution: the public hosted zone (looked up by name), an ACM
 * certificate for `recordName` in us-east-1 validated through a DNS record in that zone, and, once
 * the distribution exists, alias A and AAAA records to it (`addAliasRecords`).
 *
 * `acmCertificateArn` comes from the validation resource, so a distribution that uses it is created
 * only after ACM has issued the certificate. The certificate is replaced create-before-destroy
 * because CloudFront refuses to let go of a certificate it still serves.
 */
export class DistributionCertificate extends Construct {
  public readonly zone: DataAwsRoute53Zone;
  public readonly certificate: AcmCertificate;
  public readonly validationRecord: Route53Record;
  public readonly validation: AcmCertificateValidation;
  /** The issued certificate's ARN, for the distribution's viewer certificate. */
  public readonly certificateArn: string;
  /** The same ARN under the name InferenceDistribution's `customDomain` expects. */
  public readonly acmCertificateArn: string;
  /** The distribution's alternate domain names: exactly the name the certificate covers. */
  public readonly aliases: readonly string[];
  public readonly recordName: string;
  private aliasRecordsCreated: DistributionAliasRecords | undefined;
  private readonly provider: TerraformProvider;

  constructor(scope: Construct, id: string, props: DistributionCertificateProps) {
    super(scope, id);
    const problems = certificateProblems(props);
    if (problems.length > 0) {
      throw new ProblemsError(problems.map((problem) => `DistributionCertificate ${this.node.path}: ${problem}`));
    }
    const provider = props.provider;
    this.provider = provider;
    this.recordName = props.recordName;

    this.zone = new DataAwsRoute53Zone(this, "zone", { provider, name: props.zoneName, privateZone: false });

    this.certificate = new AcmCertificate(this, "certificate", {
      provider,
      domainName: props.recordName,
      validationMethod: "DNS",
      options: { certificateTransparencyLoggingPreference: "ENABLED" },
      lifecycle: { createBeforeDestroy: true },
    });

    // One domain name gives exactly one validation option, so element 0 is that name's record on the
    // first apply too; no for_each over a set whose keys are unknown until the certificate exists.
    const option = this.certificate.domainValidationOptions.get(0);
    this.validationRecord = new Route53Record(this, "validation_record", {
      provider,
      zoneId: this.zone.zoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: VALIDATION_RECORD_TTL_SECONDS,
      // ACM gives every certificate for this name in this account the same CNAME, so a replacement
      // certificate (or one from an earlier stack) finds the record already there.
      allowOverwrite: true,
    });

    this.validation = new AcmCertificateValidation(this, "validation", {
      provider,
      certificateArn: this.certificate.arn,
      validationRecordFqdns: [this.validationRecord.fqdn],
    });

    this.certificateArn = this.validation.certificateArn;
    this.acmCertificateArn = this.certificateArn;
    this.aliases = [props.recordName];
  }

  /** Points `recordName` at the distribution with alias A (IPv4) and AAAA (IPv6) records. Call once. */
  public addAliasRecords(target: AliasTarget): DistributionAliasRecords {
    if (this.aliasRecordsCreated !== undefined) {
      throw new ProblemsError([
        `DistributionCertificate ${this.node.path}: addAliasRecords was already called; ${this.recordName} can alias only one distribution`,
      ]);
    }
    this.aliasRecordsCreated = new DistributionAliasRecords(this, "alias", {
      zoneId: this.zone.zoneId,
      recordName: this.recordName,
      target,
      provider: this.provider,
    });
    return this.aliasRecordsCreated;
  }

  public get aliasRecords(): DistributionAliasRecords | undefined {
    return this.aliasRecordsCreated;
  }
}

export interface DistributionAliasRecordsProps {
  readonly zoneId: string;
  readonly recordName: string;
  readonly target: AliasTarget;
  readonly provider?: TerraformProvider;
}

/** Alias A and AAAA records from a name to a CloudFront distribution (which serves IPv6). */
export class DistributionAliasRecords extends Construct {
  public readonly ipv4: Route53Record;
  public readonly ipv6: Route53Record;

  constructor(scope: Construct, id: string, props: DistributionAliasRecordsProps) {
    super(scope, id);
    const { hostedZoneId } = props.target;
    if (!Token.isUnresolved(hostedZoneId) && hostedZoneId !== CLOUDFRONT_HOSTED_ZONE_ID) {
      throw new ProblemsError([
        `DistributionAliasRecords ${this.node.path}: target.hostedZoneId: "${hostedZoneId}" is not CloudFront's hosted zone; alias records to a distribution use ${CLOUDFRONT_HOSTED_ZONE_ID} (the distribution's hosted_zone_id attribute)`,
      ]);
    }
    const record = (id: string, type: "A" | "AAAA") =>
      new Route53Record(this, id, {
        provider: props.provider,
        zoneId: props.zoneId,
        name: props.recordName,
        type,
        // CloudFront does not publish per-distribution health to Route53, so there is nothing to evaluate.
        alias: { name: props.target.domainName, zoneId: hostedZoneId, evaluateTargetHealth: false },
      });
    this.ipv4 = record("a", "A");
    this.ipv6 = record("aaaa", "AAAA");
  }
}

function certificateProblems(props: DistributionCertificateProps): string[] {
  const problems: string[] = [];
  const region = regionProblem(props.provider, "ACM certificates for CloudFront");
  if (region !== undefined) problems.push(region);
  const { zoneName, recordName } = props;
  const zoneKnown = !Token.isUnresolved(zoneName);
  const recordKnown = !Token.isUnresolved(recordName);
  if (zoneKnown && zoneName.trim() === "") {
    problems.push("zoneName: is empty; a custom domain needs the public Route53 hosted zone that holds recordName, for the DNS validation and alias records");
  } else if (zoneKnown && !isHostname(zoneName)) {
    problems.push(`zoneName: "${zoneName}" must be a lower-case DNS name such as example.com, without a trailing dot`);
  }
  if (recordKnown && !isHostname(recordName)) {
    problems.push(`recordName: "${recordName}" must be a lower-case DNS name such as inference.example.com; wildcards are not supported`);
  } else if (zoneKnown && recordKnown && isHostname(zoneName) && recordName !== zoneName && !recordName.endsWith(`.${zoneName}`)) {
    problems.push(`recordName: must be ${zoneName} or a name inside it, because the validation and alias records go into that zone`);
  }
  return problems;
}
