import * as assert from "assert";
import { BACKUP_GRANTS_FILE, backupGrants } from "../components/data/clickhouse";
import { Capture, Registered, runProgram, stackConfig, useMocks } from "./harness";

const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const CRONJOB = "kubernetes:batch/v1:CronJob";
const SERVICE = "kubernetes:core/v1:Service";

/** Every non-empty label selector in a resource's inputs: `matchLabels` anywhere, and a Service's `spec.selector`. */
function selectors(r: Registered): Record<string, string>[] {
    const found: Record<string, string>[] = [];
    const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === "object") {
            for (const [k, child] of Object.entries(v)) {
                if (k === "matchLabels" && child && typeof child === "object" && Object.keys(child).length > 0) found.push(child as Record<string, string>);
                walk(child);
            }
        }
    };
    walk(r.inputs);
    if (r.type === SERVICE && r.inputs.spec?.selector && Object.keys(r.inputs.spec.selector).length > 0) found.push(r.inputs.spec.selector);
    return found;
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("ClickHouse backup pods and grants", () => {
    describe("prod", () => {
        let capture: Capture;
        before(async function () {
            this.timeout(120000);
            capture = await useMocks(stackConfig("prod"));
            await runProgram();
        });

        const backupPodLabels = () => capture.one(CRONJOB, "clickhouse-backup").inputs.spec.jobTemplate.spec.template.metadata.labels;

        it("labels the backup pods as clickhouse-backup, not as servers", () => {
            assert.deepStrictEqual(backupPodLabels(), {
                "app.kubernetes.io/name": "clickhouse-backup",
                "app.kubernetes.io/instance": "clickhouse",
                "app.kubernetes.io/part-of": "analytics-platform",
                "app.kubernetes.io/managed-by": "pulumi",
                "app.kubernetes.io/component": "backup",
            });
        });

        it("has no selector in the program that takes a backup pod, while the servers' selectors still take the servers", () => {
            const taking = capture.resources.filter((r) => selectors(r).some((s) => selects(s, backupPodLabels())));
            assert.deepStrictEqual(
                taking.map((r) => `${r.type}::${r.name}`),
                [],
            );
            const server = capture.one(STATEFULSET, "clickhouse-statefulset").inputs.spec.template.metadata.labels;
            const takingServers = capture.resources.filter((r) => selectors(r).some((s) => selects(s, server))).map((r) => r.name);
            for (const n of ["clickhouse-service", "clickhouse-headless", "clickhouse-statefulset", "clickhouse-pdb"]) assert.ok(takingServers.includes(n), `${n} in ${takingServers.join(", ")}`);
        });

        it("lets the backup Job's user use the backup named collection (users.d, merged into the entrypoint's user)", () => {
            assert.strictEqual(
                backupGrants("admin"),
                "<clickhouse>\n    <users>\n        <admin>\n            <named_collection_control>1</named_collection_control>\n        </admin>\n    </users>\n</clickhouse>\n",
            );
            const user = capture.one("kubernetes:core/v1:Secret", "clickhouse-credentials").inputs.stringData.username;
            assert.strictEqual(user, "admin");
            assert.strictEqual(capture.one(CONFIGMAP, "clickhouse-config").inputs.data[BACKUP_GRANTS_FILE], backupGrants(user));
            const job = capture.one(CRONJOB, "clickhouse-backup").inputs.spec.jobTemplate.spec.template.spec.containers[0];
            assert.deepStrictEqual(job.env[0], { name: "CLICKHOUSE_USER", valueFrom: { secretKeyRef: { name: "clickhouse-credentials", key: "username" } } });
            const mounts = capture.one(STATEFULSET, "clickhouse-statefulset").inputs.spec.template.spec.containers[0].volumeMounts;
            assert.deepStrictEqual(
                mounts.filter((m: { mountPath: string }) => m.mountPath.startsWith("/etc/clickhouse-server/users.d")),
                [
                    { name: "users-d", mountPath: "/etc/clickhouse-server/users.d" },
                    { name: "config", mountPath: `/etc/clickhouse-server/users.d/${BACKUP_GRANTS_FILE}`, subPath: BACKUP_GRANTS_FILE, readOnly: true },
                ],
            );
        });
    });

    it("grants nothing without backups (dev)", async function () {
        this.timeout(120000);
        const capture = await useMocks(stackConfig("dev"));
        await runProgram();
        assert.ok(!(BACKUP_GRANTS_FILE in capture.one(CONFIGMAP, "clickhouse-config").inputs.data));
        const mounts = capture.one(STATEFULSET, "clickhouse-statefulset").inputs.spec.template.spec.containers[0].volumeMounts;
        assert.deepStrictEqual(mounts.filter((m: { subPath?: string }) => m.subPath === BACKUP_GRANTS_FILE), []);
    });
});
