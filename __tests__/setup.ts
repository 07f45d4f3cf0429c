import { Testing } from "cdktf";

// Adds cdktf's matchers (toHaveResourceWithProperties, toBeValidTerraform, ...) to expect().
Testing.setupJest();
import type {} from "cdktf/lib/testing/adapters/jest";
