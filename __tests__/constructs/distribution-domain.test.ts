import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf";
import {
  CLOUDFRONT_HOSTED_ZONE_ID,
  DistributionCertificate,
  type DistributionCertificateProps,
} from "../../src/constructs/distribution-domain";
import "cdktf/lib/testing/adapters/jest";
import { problemsOf } from "../problems";
import { onlyEntry } from "./assertions";

type Json = Record<string, any>;

function setup(overrides: Partial<DistributionCertificateProps> = {}, region = "us-east-1") {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const provider = new AwsProvider(stack, "us_east_1", { region, alias: "us_east_1" });
  const domain = new DistributionCertificate(stack, "domain", {
    zoneName: "example.com",
    recordName: "inference.example.com",
    provider,
    ...overrides,
  });
  return { stack, domain };
}

function synthesized(stack: TerraformStack): Json {
  return JSON.parse(Testing.synth(stack, true)) as Json;
}


describe("DistributionCertificate", () => {
  const { stack, domain } = setup();
  new TerraformOutput(stack, "certificate_arn", { value: domain.certificateArn });
  new TerraformOutput(stack, "acm_certificate_arn", { value: domain.acmCertificateArn });
  const text = Testing.synth(stack, true);
  const json = JSON.parse(text) as Json;
  const [zoneId] = onlyEntry(json.data.aws_route53_zone);
  const [certificateId] = onlyEntry(json.resource.aws_acm_certificate);
  const [recordId, record] = onlyEntry(json.resource.aws_route53_record);
  const [validationId, validation] = onlyEntry(json.resource.aws_acm_certificate_validation);

  it("looks the public hosted zone up by name, through the us-east-1 provider", () => {
    expect(text).toHaveDataSourceWithProperties(DataAwsRoute53Zone, { name: "example.com", private_zone: false, provider: "aws.us_east_1" });
  });

  it("requests a DNS-validated certificate for the record name in us-east-1, replaced create-before-destroy", () => {
    expect(text).toHaveResourceWithProperties(AcmCertificate, {
      domain_name: "inference.example.com",
      validation_method: "DNS",
      lifecycle: { create_before_destroy: true },
      options: { certificate_transparency_logging_preference: "ENABLED" },
      provider: "aws.us_east_1",
    });
    expect(json.resource.aws_acm_certificate[certificateId]).not.toHaveProperty("subject_alternative_names");
  });

  it("writes the one validation record from the certificate's only validation option into the zone", () => {
    // cdktf writes element 0 of the set with HCL's legacy index syntax (`.0`), which Terraform reads as [0].
    const option = `tolist(aws_acm_certificate.${certificateId}.domain_validation_options).0`;
    expect(record).toEqual({
      name: `\${${option}.resource_record_name}`,
      type: `\${${option}.resource_record_type}`,
      records: [`\${${option}.resource_record_value}`],
      ttl: 60,
      allow_overwrite: true,
      zone_id: `\${data.aws_route53_zone.${zoneId}.zone_id}`,
      provider: "aws.us_east_1",
    });
    expect(record).not.toHaveProperty("for_each");
  });

  it("waits for issuance through the validation record before handing out the ARN", () => {
    expect(validation).toEqual({
      certificate_arn: `\${aws_acm_certificate.${certificateId}.arn}`,
      validation_record_fqdns: [`\${aws_route53_record.${recordId}.fqdn}`],
      provider: "aws.us_east_1",
    });
    const validated = `\${aws_acm_certificate_validation.${validationId}.certificate_arn}`;
    expect(json.output.certificate_arn.value).toBe(validated);
    expect(json.output.acm_certificate_arn.value).toBe(validated);
  });

  it("gives the distribution exactly the name the certificate covers as its alias", () => {
    expect(domain.aliases).toEqual(["inference.example.com"]);
  });
});

describe("DistributionCertificate alias records", () => {
  it("points A and AAAA alias records at the distribution in CloudFront's hosted zone", () => {
    const { stack, domain } = setup();
    const records = domain.addAliasRecords({ domainName: "d111111abcdef8.cloudfront.net", hostedZoneId: CLOUDFRONT_HOSTED_ZONE_ID });
    const json = synthesized(stack);
    const [zoneId] = onlyEntry(json.data.aws_route53_zone);
    const aliases = Object.values(json.resource.aws_route53_record as Record<string, Json>).filter((entry) => entry.alias);
    expect(aliases.map((entry) => entry.type).sort()).toEqual(["A", "AAAA"]);
    for (const entry of aliases) {
      expect(entry).toEqual({
        name: "inference.example.com",
        type: entry.type,
        zone_id: `\${data.aws_route53_zone.${zoneId}.zone_id}`,
        alias: { name: "d111111abcdef8.cloudfront.net", zone_id: "Z2FDTNDATAQYW2", evaluate_target_health: false },
        provider: "aws.us_east_1",
      });
    }
    expect(domain.aliasRecords).toBe(records);
  });

  it("takes the distribution's attributes as tokens", () => {
    const { stack, domain } = setup();
    const domainName = new TerraformVariable(stack, "distribution_domain_name", { type: "string" }).stringValue;
    const hostedZoneId = new TerraformVariable(stack, "distribution_hosted_zone_id", { type: "string" }).stringValue;
    domain.addAliasRecords({ domainName, hostedZoneId });
    const aliases = Object.values(synthesized(stack).resource.aws_route53_record as Record<string, Json>).filter((entry) => entry.alias);
    expect(aliases.map((entry) => entry.alias)).toEqual([
      { name: "${var.distribution_domain_name}", zone_id: "${var.distribution_hosted_zone_id}", evaluate_target_health: false },
      { name: "${var.distribution_domain_name}", zone_id: "${var.distribution_hosted_zone_id}", evaluate_target_health: false },
    ]);
  });

  it("refuses a second distribution and a hosted zone that is not CloudFront's", () => {
    const { domain } = setup();
    expect(problemsOf(() => domain.addAliasRecords({ domainName: "d1.cloudfront.net", hostedZoneId: "Z35SXDOTRQ7X7K" }))).toEqual([
      expect.stringMatching(/^DistributionAliasRecords test\/domain\/alias: target\.hostedZoneId: "Z35SXDOTRQ7X7K" is not CloudFront's hosted zone; .* use Z2FDTNDATAQYW2/),
    ]);
    const { domain: other } = setup();
    other.addAliasRecords({ domainName: "d1.cloudfront.net", hostedZoneId: CLOUDFRONT_HOSTED_ZONE_ID });
    expect(problemsOf(() => other.addAliasRecords({ domainName: "d2.cloudfront.net", hostedZoneId: CLOUDFRONT_HOSTED_ZONE_ID }))).toEqual([
      "DistributionCertificate test/domain: addAliasRecords was already called; inference.example.com can alias only one distribution",
    ]);
  });
});

describe("DistributionCertificate misuse", () => {
  it("refuses a provider outside us-east-1, in one line naming the construct, the rule and the fix", () => {
    expect(problemsOf(() => setup({}, "eu-central-1"))).toEqual([
      "DistributionCertificate test/domain: provider: is in eu-central-1; ACM certificates for CloudFront must be in us-east-1, so pass the us-east-1 provider (AwsProviders.usEast1)",
    ]);
  });

  it("refuses a domain without a zone", () => {
    expect(problemsOf(() => setup({ zoneName: "" }))).toEqual([
      expect.stringMatching(/^DistributionCertificate test\/domain: zoneName: is empty; a custom domain needs the public Route53 hosted zone/),
    ]);
  });

  it("refuses a record outside its zone, and names that are not DNS names", () => {
    expect(problemsOf(() => setup({ recordName: "inference.example.org" }))).toEqual([
      "DistributionCertificate test/domain: recordName: must be example.com or a name inside it, because the validation and alias records go into that zone",
    ]);
    expect(problemsOf(() => setup({ zoneName: "Example.com.", recordName: "*.example.com" }))).toEqual([
      expect.stringContaining('zoneName: "Example.com." must be a lower-case DNS name'),
      expect.stringContaining('recordName: "*.example.com" must be a lower-case DNS name such as inference.example.com; wildcards are not supported'),
    ]);
  });

  it("accepts the zone apex as the record name", () => {
    const { stack } = setup({ recordName: "example.com" });
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(AcmCertificate, { domain_name: "example.com" });
  });
});
