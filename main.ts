import { synthesize } from "./src/synth";
import { reportFailure } from "./src/report-failure";

const environments = process.env.EDGE_INFERENCE_ENVS?.split(",").filter(Boolean);

synthesize({ projectRoot: __dirname, environments }).then(
  ({ outdir, stacks }) => {
    process.stderr.write(`synthesized ${stacks.join(", ")} into ${outdir}\n`);
  },
  (error: unknown) => {
    process.exitCode = reportFailure(error);
  },
);
