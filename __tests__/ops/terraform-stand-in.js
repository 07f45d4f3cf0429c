#!/usr/bin/env node
/*
 * A STAND-IN for the terraform binary, for tests only. The real binary cannot be had on the
 * machines that run these tests (no Terraform, no network, no AWS), so the orchestration in
 * ops/plan is exercised against this script instead. It replays real `terraform show -json`
 * fixtures from shared/fixtures/plans and never talks to any cloud.
 *
 * It reads a scenario file named by STAND_IN_SCENARIO:
 *   {
 *     "version": "1.11.4",                  // what `version -json` reports
 *     "log": "/tmp/.../calls.jsonl",         // every call appended as {"stack", "args"}
 *     "stacks": {
 *       "<stack>": {                         // the stack is the basename of the working directory
 *         "plan": "/path/to/fixture.json",   // what `show -json <planfile>` prints
 *         "showOutput": "...",               // or this raw text instead (corrupt JSON, ...)
 *         "initExit": 0, "planExit": 0, "showExit": 0, "applyExit": 0,
 *         "stderr": "..."                    // printed on stderr by a failing command
 *       }
 *     }
 *   }
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const args = process.argv.slice(2);
const scenario = JSON.parse(fs.readFileSync(process.env.STAND_IN_SCENARIO, "utf8"));
const stack = path.basename(process.cwd());
const setup = (scenario.stacks && scenario.stacks[stack]) || {};
if (scenario.log) fs.appendFileSync(scenario.log, `${JSON.stringify({ stack, args })}\n`);

function fail(code) {
  process.stderr.write(`${setup.stderr || "Error: stand-in failure"}\n`);
  process.exit(code);
}

const command = args[0];
if (command === "version") {
  process.stdout.write(
    `${JSON.stringify({
      terraform_version: scenario.version || "1.11.4",
      platform: "linux_amd64",
      provider_selections: {},
      terraform_outdated: false,
    })}\n`
  );
  process.exit(0);
}
if (command === "init") {
  if (setup.initExit) fail(setup.initExit);
  fs.mkdirSync(".terraform", { recursive: true });
  process.stdout.write("Terraform has been successfully initialized! (stand-in)\n");
  process.exit(0);
}
if (command === "plan") {
  const out = args.find((arg) => arg.startsWith("-out="));
  if (setup.planExit === 1) fail(1);
  if (out)
    fs.writeFileSync(
      out.slice("-out=".length),
      JSON.stringify({ standIn: true, stack, fixture: setup.plan || null, refreshOnly: args.includes("-refresh-only") })
    );
  process.stdout.write("Plan: replayed by the stand-in.\n");
  process.exit(setup.planExit || 0);
}
if (command === "show") {
  const planFile = args[args.length - 1];
  if (!fs.existsSync(planFile)) {
    process.stderr.write(`Error: Failed to read the given file as a state or plan file: ${planFile}\n`);
    process.exit(1);
  }
  if (setup.showExit) fail(setup.showExit);
  if (setup.showOutput !== undefined) process.stdout.write(setup.showOutput);
  else process.stdout.write(fs.readFileSync(JSON.parse(fs.readFileSync(planFile, "utf8")).fixture, "utf8"));
  process.exit(0);
}
if (command === "apply") {
  const planFile = args[args.length - 1];
  if (!fs.existsSync(planFile)) {
    process.stderr.write(`Error: Failed to load "${planFile}" as a plan file\n`);
    process.exit(1);
  }
  if (setup.applyExit) fail(setup.applyExit);
  process.stdout.write("Apply complete! (stand-in)\n");
  process.exit(0);
}
process.stderr.write(`stand-in terraform: unsupported command ${JSON.stringify(args)}\n`);
process.exit(1);
