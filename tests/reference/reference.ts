import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../harness";

/**
 * Checks against upstream reference data (chart values, CRDs) that a clone of the project does not
 * have: `npm run test:reference` runs them, and `.ci/run` does when `../shared/reference` exists.
 * The folder is `$PLATFORM_REFERENCE`, or `../shared/reference` beside the project.
 */
export const REFERENCE_DIR = process.env.PLATFORM_REFERENCE ?? path.resolve(PROJECT_DIR, "..", "shared", "reference");

if (!fs.existsSync(path.join(REFERENCE_DIR, "charts"))) {
    throw new Error(`no reference data in ${REFERENCE_DIR}: set PLATFORM_REFERENCE to a folder with charts/ and crds/ (the upstream values and CRDs)`);
}
