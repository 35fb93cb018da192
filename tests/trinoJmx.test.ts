import * as assert from "assert";
import { JMX_EXPORTER_CONFIG } from "../components/processing/trino";

/** An ObjectName pattern's domain (`*` and `?` wildcards) matched against a whole domain, as JMX does. */
function domainMatches(pattern: string, domain: string): boolean {
    const glob = pattern.split(":")[0];
    const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    return re.test(domain);
}

const includes = [...JMX_EXPORTER_CONFIG.matchAll(/^ {2}- "([^"]+)"$/gm)].map((m) => m[1]);

describe("Trino's JMX exporter configuration", () => {
    it("includes the task executors' MBeans, whose domains are sub-domains of trino.execution.executor (seen in Trino 476)", () => {
        // Domains of the task executor MBeans a Trino 476 coordinator registers (engine suite, JmxProbe).
        const executorDomains = ["trino.execution.executor.dedicated", "trino.execution.executor.timesharing"];
        for (const domain of executorDomains) {
            assert.ok(includes.some((p) => domainMatches(p, domain)), `no include pattern matches ${domain}: ${includes.join(", ")}`);
        }
        assert.ok(!includes.includes("trino.execution.executor:*"), "a bare trino.execution.executor:* matches no MBean");
    });
});
