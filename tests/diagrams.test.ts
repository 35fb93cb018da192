import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { embeddedDiagrams } from "../scripts/diagrams";
import { planCommand } from "../scripts/plan";
import { PROJECT_DIR } from "./harness";

describe("docs/architecture.md diagrams", () => {
    it("are exactly what `npm run plan -- --stack prod --mermaid` prints for the code as it is", async () => {
        const embedded = embeddedDiagrams(fs.readFileSync(path.join(PROJECT_DIR, "docs", "architecture.md"), "utf8"));
        assert.notStrictEqual(embedded, undefined, "the generated block's markers are missing");
        const generated = await planCommand(["--stack", "prod", "--mermaid"]);
        assert.strictEqual(embedded, generated, "docs/architecture.md is out of date: run npm run diagrams");
    });

    it("show the component graph and the data flows, with Superset reached by users and reaching PostgreSQL", async () => {
        const generated = await planCommand(["--stack", "prod", "--mermaid"]);
        const blocks = generated.split("```mermaid\n").slice(1).map((b) => b.slice(0, b.indexOf("```")));
        assert.deepStrictEqual(blocks.map((b) => b.split("\n")[0]), ["graph LR", "flowchart LR"]);
        assert.ok(blocks[0].includes("  superset --> platform_pg\n"), blocks[0]);
        assert.ok(blocks[1].includes("  users --> superset\n"), blocks[1]);
        assert.ok(blocks[1].includes("  superset --> postgres\n"), blocks[1]);
    });
});
