/**
 * Rewrites the generated diagrams in docs/architecture.md (between its BEGIN/END markers) with what
 * `npm run plan -- --stack prod --mermaid` prints now: `npm run diagrams` after a change that moves
 * them (tests/diagrams.test.ts fails until then).
 */
import * as fs from "fs";
import * as path from "path";
import { runCli } from "./lib/cli";
import { PROJECT_DIR } from "./lib/mockProgram";
import { planCommand } from "./plan";

export const DIAGRAMS_BEGIN = "<!-- BEGIN npm run plan -- --stack prod --mermaid";
export const DIAGRAMS_END = "<!-- END npm run plan -- --stack prod --mermaid -->";
const DOC = path.join(PROJECT_DIR, "docs", "architecture.md");

/** The generated block as docs/architecture.md holds it now. */
export function embeddedDiagrams(doc: string): string | undefined {
    const from = doc.indexOf(DIAGRAMS_BEGIN);
    const to = doc.indexOf(DIAGRAMS_END);
    return from < 0 || to < from ? undefined : doc.slice(doc.indexOf("\n", from) + 1, to);
}

async function diagrams(): Promise<string> {
    const doc = fs.readFileSync(DOC, "utf8");
    const embedded = embeddedDiagrams(doc);
    if (embedded === undefined) throw new Error(`no ${DIAGRAMS_BEGIN} … ${DIAGRAMS_END} block in ${DOC}`);
    const generated = await planCommand(["--stack", "prod", "--mermaid"]);
    if (embedded === generated) return "docs/architecture.md: diagrams up to date\n";
    const from = doc.indexOf(DIAGRAMS_BEGIN);
    fs.writeFileSync(DOC, `${doc.slice(0, doc.indexOf("\n", from) + 1)}${generated}${doc.slice(doc.indexOf(DIAGRAMS_END))}`);
    return "docs/architecture.md: diagrams rewritten\n";
}

if (require.main === module) runCli("diagrams", "usage: npm run diagrams", diagrams);
