import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { engineHome, programCapture, run, tempDir } from "./harness";

/** What the promtool tests read of a generated alerting rule, and how Prometheus renders its annotations. */
export interface Rule {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

/** An alert's annotations as Prometheus renders them for these labels (templates use `$labels` only). */
export function rendered(rule: Rule, labels: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, l: string) => labels[l] ?? "")]));
}

/**
 * The prod stack's generated rule groups (those `groupNames` names, or all) written to a rules file
 * for promtool, with the helpers a promtool test needs: the expected alert of a rule for some labels,
 * `check rules` and `test rules` over that file. Call `load` in a `before` hook.
 */
export class PromRules {
    public promtool = "";
    public dir = "";
    private rules = new Map<string, Rule>();

    constructor(private readonly dirName: string, private readonly groupNames?: readonly string[]) {}

    async load(): Promise<void> {
        this.promtool = path.join(engineHome("promtool"), "bin", "promtool");
        const capture = await programCapture("prod");
        const groups = capture
            .ofType("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
            .flatMap((r) => r.inputs.spec.groups)
            .filter((g: { name: string }) => this.groupNames === undefined || this.groupNames.includes(g.name));
        this.rules = new Map(groups.flatMap((g: { rules: Rule[] }) => g.rules.map((r) => [r.alert, r] as [string, Rule])));
        this.dir = tempDir(this.dirName);
        fs.writeFileSync(path.join(this.dir, "rules.yaml"), stringify({ groups }));
    }

    /** The alert promtool should report for `alert` with these labels (severity and annotations from the rule). */
    expect(alert: string, labels: Record<string, string>): { exp_labels: Record<string, string>; exp_annotations: Record<string, string> } {
        const rule = this.rules.get(alert);
        assert.ok(rule, `no rule ${alert}`);
        const all = { ...labels, severity: rule.labels.severity };
        return { exp_labels: all, exp_annotations: rendered(rule, all) };
    }

    /** `promtool check rules` over the generated file. */
    async check(): Promise<void> {
        const r = await run(this.promtool, ["check", "rules", path.join(this.dir, "rules.yaml")]);
        assert.match(r.stdout, /SUCCESS: \d+ rules found/);
    }

    /** `promtool test rules` with these rule tests, evaluated every minute. */
    async test(tests: unknown[]): Promise<void> {
        fs.writeFileSync(path.join(this.dir, "tests.yaml"), stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests }));
        const r = await run(this.promtool, ["test", "rules", "tests.yaml"], { cwd: this.dir, allowFailure: true });
        assert.strictEqual(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /SUCCESS/);
    }
}
