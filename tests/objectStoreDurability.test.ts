import * as assert from "assert";
import { stackCapture } from "./configHelpers";

const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

describe("object store disruption budget", () => {
    it("prod keeps all but one server through voluntary disruptions; dev has no budget", async function () {
        this.timeout(120000);
        const prod = await stackCapture("prod");
        assert.deepStrictEqual(
            prod.ofType(PDB).filter((p) => p.name === "object-store-pdb").map((p) => [p.inputs.metadata.name, p.inputs.spec]),
            [["object-store-servers", { maxUnavailable: 1, selector: { matchLabels: { "v1.min.io/tenant": "object-store" } } }]],
        );
        const dev = await stackCapture("dev");
        assert.deepStrictEqual(dev.ofType(PDB).filter((p) => p.name === "object-store-pdb"), []);
    });
});
