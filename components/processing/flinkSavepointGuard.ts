import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Resources } from "../config";
import { platformLabels } from "../lib/labels";
import { resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";

export interface FlinkSavepointGuardArgs {
    /** The session cluster's namespace. */
    readonly namespace: pulumi.Input<string>;
    /** The FlinkDeployment: the guard is created after it and, so, deleted before it. */
    readonly flinkDeployment: pulumi.Resource;
    /** The JobManager's REST API, e.g. `http://cdc-rest.platform-processing.svc.cluster.local:8081`. */
    readonly restUrl: pulumi.Input<string>;
    /** Prefix of the CDC job's name (`pipeline.name`): `<name>-`. */
    readonly jobNamePrefix: string;
    /** Where the savepoint goes, `s3://<bucket>/<name>/savepoints`. */
    readonly savepointsDir: string;
    /** An image with bash and wget: the Flink image. */
    readonly image: pulumi.Input<string>;
    /** The image's user. */
    readonly runAsUser: number;
}

/** The guard only sleeps; its stop hook sends a few REST calls. */
const GUARD_RESOURCES: Resources = { cpu: "10m", memory: "32Mi", cpuLimit: "200m", memoryLimit: "64Mi" };
/** Longest a savepoint may take before the pod (and so the deletion) goes on without it. */
export const SAVEPOINT_GRACE_SECONDS = 600;
/**
 * How long Pulumi waits for the guard's deletion: the grace period plus five minutes for the
 * eviction, the hook's start and the foreground cascade (the provider's default is 10 minutes,
 * shorter than the grace period).
 */
export const GUARD_DELETE_TIMEOUT = `${Math.ceil(SAVEPOINT_GRACE_SECONDS / 60) + 5}m`;
/**
 * The guard's main process: sleeps, and exits as soon as it receives SIGTERM, which the kubelet
 * sends once the stop hook has ended. (`sleep` as PID 1 ignores SIGTERM, so the pod would wait out
 * the whole grace period.) `sh` is the image's; the probes use it too.
 */
export const GUARD_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; sleep infinity & wait"];

/**
 * The guard's stop hook: trigger a savepoint of the running CDC job (the job keeps running) through
 * the JobManager's REST API and wait until it is written. A savepoint refused while the job's tasks
 * are still starting is retried (5 attempts, 5 s apart). Nothing running: nothing to do.
 */
export const SAVEPOINT_ON_STOP = [
    "set -u",
    'overview=$(wget -qO- "$FLINK_REST/jobs/overview") || { echo "Flink REST unreachable: no savepoint" >&2; exit 0; }',
    'job=$(printf "%s" "$overview" | tr "{" "\\n" | grep "\\"state\\":\\"RUNNING\\"" | grep -F "\\"name\\":\\"$JOB_PREFIX" | sed -n "s/.*\\"jid\\":\\"\\([0-9a-f]*\\)\\".*/\\1/p" | head -n 1)',
    '[ -n "$job" ] || { echo "no running CDC job: no savepoint"; exit 0; }',
    "attempt=0",
    'while [ "$attempt" -lt 5 ]; do',
    "  attempt=$((attempt + 1))",
    '  request=$(wget -qO- --header "Content-Type: application/json" --post-data "{\\"target-directory\\":\\"$SAVEPOINTS_DIR\\",\\"cancel-job\\":false}" "$FLINK_REST/jobs/$job/savepoints" | sed -n "s/.*\\"request-id\\":\\"\\([0-9a-f]*\\)\\".*/\\1/p")',
    '  if [ -n "$request" ]; then',
    "    while :; do",
    '      status=$(wget -qO- "$FLINK_REST/jobs/$job/savepoints/$request" || true)',
    '      case "$status" in *\\"COMPLETED\\"*) break ;; esac',
    "      sleep 2",
    "    done",
    '    location=$(printf "%s" "$status" | sed -n "s/.*\\"location\\":\\"\\([^\\"]*\\)\\".*/\\1/p")',
    '    if [ -n "$location" ]; then echo "savepoint of $job: $location"; exit 0; fi',
    '    echo "savepoint of $job failed (attempt $attempt): $(printf "%s" "$status" | head -c 400)" >&2',
    "  else",
    '    echo "savepoint of $job not accepted (attempt $attempt)" >&2',
    "  fi",
    "  sleep 5",
    "done",
    "exit 1",
    "",
].join("\n");

/**
 * Keeps a savepoint when the session cluster goes away (docs/decisions/0032-flink-job-lifecycle.md):
 * a one-pod Deployment that depends on the FlinkDeployment, so `pulumi destroy` (and the deletion
 * that precedes a replacement of the FlinkDeployment) deletes it first. Its pod's `preStop` hook
 * takes a savepoint of the running CDC job under `savepointsDir` and waits for it (up to
 * {@link SAVEPOINT_GRACE_SECONDS}); Pulumi waits for the pod to terminate before it deletes the
 * FlinkDeployment. The job keeps running until the cluster is deleted, so a drain or restart of
 * the guard only adds a savepoint. The hook logs the savepoint's path (`kubectl logs` shows hook
 * output only on failure; the path is the newest folder under `savepointsDir`).
 */
export class FlinkSavepointGuard extends pulumi.ComponentResource {
    public readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: FlinkSavepointGuardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:processing:FlinkSavepointGuard", name, {}, opts);
        const labels = platformLabels("flink-savepoint-guard", name);
        const selector = { "app.kubernetes.io/name": "flink-savepoint-guard", "app.kubernetes.io/instance": name };
        const alive = { exec: { command: ["sh", "-c", "kill -0 1"] }, periodSeconds: 30 };
        this.deployment = new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: { ...labels, ...selector } },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(),
                            terminationGracePeriodSeconds: SAVEPOINT_GRACE_SECONDS,
                            containers: [
                                {
                                    name: "guard",
                                    image: args.image,
                                    command: GUARD_COMMAND,
                                    env: [
                                        { name: "FLINK_REST", value: args.restUrl },
                                        { name: "JOB_PREFIX", value: args.jobNamePrefix },
                                        { name: "SAVEPOINTS_DIR", value: args.savepointsDir },
                                    ],
                                    lifecycle: { preStop: { exec: { command: ["bash", "-c", SAVEPOINT_ON_STOP] } } },
                                    resources: resourceRequirements(GUARD_RESOURCES),
                                    securityContext: restrictedContainerSecurityContext(args.runAsUser),
                                    startupProbe: alive,
                                    livenessProbe: alive,
                                    readinessProbe: alive,
                                },
                            ],
                        },
                    },
                },
            },
            {
                parent: this,
                // Created after the session cluster, hence deleted before it: the savepoint is taken while the job still runs.
                dependsOn: [args.flinkDeployment],
                // A replacement of the session cluster (fixed name: delete before create) replaces the
                // guard too; `dependsOn` alone never makes Pulumi delete a dependent first (decision 0032).
                replaceWith: [args.flinkDeployment],
                customTimeouts: { delete: GUARD_DELETE_TIMEOUT },
            },
        );
        this.registerOutputs({});
    }
}
