import * as fs from "fs";
import * as path from "path";

/**
 * Checks against upstream reference data (chart values, CRDs) that a clone of the project does not
 * have: `PLATFORM_REFERENCE=<folder> npm run test:reference` runs them (`.ci/run` does, when it has
 * the folder). The folder holds charts/ and crds/; the project itself names no place for it.
 */
export const REFERENCE_DIR = path.resolve(process.env.PLATFORM_REFERENCE ?? "");

if (process.env.PLATFORM_REFERENCE === undefined || process.env.PLATFORM_REFERENCE === "") {
    throw new Error("npm run test:reference needs PLATFORM_REFERENCE: a folder with charts/ and crds/ (the upstream chart values and CRDs)");
}

if (!fs.existsSync(path.join(REFERENCE_DIR, "charts"))) {
    throw new Error(`no reference data in ${REFERENCE_DIR}: set PLATFORM_REFERENCE to a folder with charts/ and crds/ (the upstream values and CRDs)`);
}
