import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { images } from "../catalog";
import { Footprint, NO_FOOTPRINT } from "../lib/footprint";
import { ImageRegistry, imageRef, pullPolicyOf, pullSecretNames } from "../lib/images";
import { platformLabels } from "../lib/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../lib/security";
import { S3Location, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from "../lib/storage";
import { ClientPods } from "../lib/network";

/** What SparkJobs needs of the Spark operator (a {@link SparkOperator} fits). */
export interface SparkOperatorRef {
    /** The operator release: the SparkApplication kinds and the pod-mutating webhook come from it. */
    readonly release: pulumi.Resource;
    /** ServiceAccount the chart creates for driver pods in every job namespace. */
    readonly sparkServiceAccountName: string;
}

/** An S3 access key pair, as Pulumi secrets, to copy into a Secret of the jobs' namespace. */
export interface S3Keys {
    readonly accessKeyId: pulumi.Input<string>;
    readonly secretAccessKey: pulumi.Input<string>;
}

export interface SparkJobsArgs {
    /** Namespace where SparkApplications run; it must be one of the operator's job namespaces. */
    readonly namespace: pulumi.Input<string>;
    /** The Spark operator. */
    readonly operator: SparkOperatorRef;
    /** Bucket for Spark event logs (read by a history server). */
    readonly eventLog: S3Location;
    /**
     * The access key pair, when `eventLog.secretName` lives in another namespace: it is copied into
     * the Secret `spark-s3-credentials` here. Default: none (`eventLog.secretName` is in `namespace`).
     */
    readonly s3Keys?: S3Keys;
    /** Key prefix of the event logs inside the bucket; "" writes to the bucket root. Default "spark-events". */
    readonly eventLogPrefix?: string;
    /** Where the Spark image applications use comes from, and how it is pulled. */
    readonly imageRegistry: ImageRegistry;
}

/** What an application adds to the platform defaults: code, entry point and size. */
export interface SparkApplicationShape {
    /** "Scala", "Java", "Python" or "R". */
    readonly type: "Scala" | "Java" | "Python" | "R";
    /** e.g. `local:///opt/spark/examples/jars/spark-examples.jar` or `s3a://bucket/job.py`. */
    readonly mainApplicationFile: string;
    /** JVM main class (Scala/Java). */
    readonly mainClass?: string;
    readonly arguments?: readonly string[];
    readonly driver: { readonly cores: number; readonly memory: string };
    readonly executor: { readonly instances: number; readonly cores: number; readonly memory: string };
}

/**
 * The platform's part of every SparkApplication spec in the jobs namespace. Fields map 1:1 to
 * `sparkoperator.k8s.io/v1beta2` SparkApplication `spec` (see {@link sparkApplicationSpec}).
 */
export interface SparkApplicationDefaults {
    readonly namespace: pulumi.Input<string>;
    /** `spec.sparkVersion` and `spec.image`: the platform's Spark image (images/spark). */
    readonly sparkVersion: string;
    readonly image: string;
    /** `spec.imagePullPolicy`: the configured `imagePullPolicy`, IfNotPresent by default. */
    readonly imagePullPolicy: string;
    /** `spec.imagePullSecrets`: the configured `imagePullSecrets` (Secret names in the jobs namespace). */
    readonly imagePullSecrets: readonly string[];
    /** `spec.driver.serviceAccount`: the operator's driver ServiceAccount (it may create executor pods). */
    readonly driverServiceAccount: string;
    /** `spec.sparkConf`: event log and S3A settings; the same lines as the `spark-defaults` ConfigMap. */
    readonly sparkConf: pulumi.Output<Record<string, string>>;
    /** `spec.driver.env` and `spec.executor.env`: the S3 key pair, from a Secret by name. */
    readonly env: k8s.types.input.core.v1.EnvVar[];
    readonly podSecurityContext: k8s.types.input.core.v1.PodSecurityContext;
    readonly securityContext: k8s.types.input.core.v1.SecurityContext;
}

/** The `spark` user of the apache/spark image. */
const SPARK_UID = 185;
/** The Spark version of the platform image ("3.5.7" from "3.5.7-<inputs hash>"). */
export const SPARK_VERSION = images.spark.tag.split("-")[0];
const SUBMITTER = "spark-submitter";
const DEFAULTS = "spark-defaults";

/**
 * What the jobs namespace needs to run SparkApplications; it runs no workload itself.
 *
 * - `spark-submitter` ServiceAccount with a Role to create, read and delete SparkApplications and
 *   ScheduledSparkApplications there (for Airflow), and to read pods and their logs (to follow a
 *   driver).
 * - Event logs go to `s3a://<bucket>/<prefix>`; the S3A client (hadoop-aws and the AWS SDK bundle,
 *   in the platform's Spark image built from images/spark, so nothing is fetched at submit time)
 *   reads the key pair from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`,
 *   which every driver and executor gets from the S3 Secret by name. Spark requires the event-log
 *   directory to exist: on S3 the prefix must hold an object (e.g. an empty `spark-events/`) before
 *   the first job, unless the prefix is "" (bucket root).
 * - ConfigMap `spark-defaults` holds the same non-secret settings as a `spark-defaults.conf` file,
 *   for clients that submit with `--properties-file` (an application spec should carry them in
 *   `sparkConf`, see {@link sparkApplicationSpec}; `spec.sparkConfigMap` would replace the driver's
 *   SPARK_CONF_DIR and is not used).
 */
export class SparkJobs extends pulumi.ComponentResource {
    public readonly serviceAccountName: pulumi.Output<string>;
    public readonly configMapName: pulumi.Output<string>;
    /** Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY that Spark pods read. */
    public readonly s3SecretName: pulumi.Output<string>;
    /** `s3a://<bucket>/<prefix>`: `spark.eventLog.dir`, and `spark.history.fs.logDirectory` for a history server. */
    public readonly eventLogDir: string;
    public readonly applicationDefaults: SparkApplicationDefaults;
    /** What a submitter (Airflow) waits for: the operator release, the RBAC and the defaults. */
    public readonly ready: pulumi.Resource[];
    /** No pods of its own. */
    public readonly footprint: Footprint = NO_FOOTPRINT;
    /** The pods that open this component's connections to other namespaces (for NetworkPolicies). */
    public readonly clients: ClientPods;

    constructor(name: string, args: SparkJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:processing:SparkJobs", name, {}, opts);
        const labels = platformLabels("spark", name);
        const prefix = (args.eventLogPrefix ?? "spark-events").replace(/^\/+|\/+$/g, "");
        this.eventLogDir = prefix === "" ? `s3a://${args.eventLog.bucket}/` : `s3a://${args.eventLog.bucket}/${prefix}`;
        // Spark strips one trailing "/" from spark.eventLog.dir, and the bare bucket it leaves
        // (`s3a://<bucket>`) fails in Hadoop 3.3.4's S3A with "path must be absolute" when the
        // driver starts (seen on the real engines, tests/engines/spark.test.ts): the bucket root is
        // given with a second slash, which leaves `s3a://<bucket>/`.
        const sparkEventLogDir = prefix === "" ? `${this.eventLogDir}/` : this.eventLogDir;

        const s3Secret = args.s3Keys
            ? new k8s.core.v1.Secret(
                  `${name}-s3-credentials`,
                  {
                      metadata: { name: "spark-s3-credentials", namespace: args.namespace, labels },
                      type: "Opaque",
                      stringData: { [S3_ACCESS_KEY_ID]: args.s3Keys.accessKeyId, [S3_SECRET_ACCESS_KEY]: args.s3Keys.secretAccessKey },
                  },
                  { parent: this },
              )
            : undefined;
        this.s3SecretName = s3Secret ? s3Secret.metadata.name : pulumi.output(args.eventLog.secretName);

        const pullPolicy = pullPolicyOf(args.imageRegistry);
        const pullSecrets = pullSecretNames(args.imageRegistry);
        const sparkConf = pulumi.output(args.eventLog.endpoint).apply((endpoint): Record<string, string> => ({
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": sparkEventLogDir,
            // Executors pull the image as the driver did (the operator sets the driver's from the spec).
            ...(pullPolicy === undefined ? {} : { "spark.kubernetes.container.image.pullPolicy": pullPolicy }),
            ...(pullSecrets.length === 0 ? {} : { "spark.kubernetes.container.image.pullSecrets": pullSecrets.join(",") }),
            "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
            "spark.hadoop.fs.s3a.endpoint": endpoint,
            "spark.hadoop.fs.s3a.endpoint.region": "us-east-1",
            "spark.hadoop.fs.s3a.path.style.access": "true",
            "spark.hadoop.fs.s3a.connection.ssl.enabled": endpoint.startsWith("https://") ? "true" : "false",
            "spark.hadoop.fs.s3a.aws.credentials.provider": "com.amazonaws.auth.EnvironmentVariableCredentialsProvider",
        }));

        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-defaults`,
            {
                metadata: { name: DEFAULTS, namespace: args.namespace, labels },
                data: {
                    "spark-defaults.conf": sparkConf.apply((conf) =>
                        Object.entries(conf)
                            .map(([k, v]) => `${k} ${v}\n`)
                            .join(""),
                    ),
                },
            },
            { parent: this },
        );

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-submitter`,
            { metadata: { name: SUBMITTER, namespace: args.namespace, labels }, automountServiceAccountToken: true },
            { parent: this },
        );
        const role = new k8s.rbac.v1.Role(
            `${name}-submitter`,
            {
                metadata: { name: SUBMITTER, namespace: args.namespace, labels },
                rules: [
                    {
                        apiGroups: ["sparkoperator.k8s.io"],
                        resources: ["sparkapplications", "scheduledsparkapplications"],
                        verbs: ["create", "get", "list", "watch", "delete"],
                    },
                    // Airflow's SparkKubernetesOperator polls the application's state through the status subresource.
                    { apiGroups: ["sparkoperator.k8s.io"], resources: ["sparkapplications/status", "scheduledsparkapplications/status"], verbs: ["get"] },
                    // A submitter follows the driver pod and streams its log.
                    { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] },
                    // Airflow's provider (cncf-kubernetes 10.x) copies the driver pod's events into the task log.
                    // Its wish to label a failed driver pod `already_checked` (a pod `patch`) is not granted: the
                    // submitters share this namespace with other apps, whose pods' labels select network policies.
                    // A retry still skips the failed pod (the provider lists only non-failed drivers); the failed
                    // task's log then ends with that 403 after the job's own error (docs/operations.md).
                    { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
                ],
            },
            // RBAC rules may name kinds whose CRDs do not exist yet, so the Role needs no operator.
            { parent: this },
        );
        const binding = new k8s.rbac.v1.RoleBinding(
            `${name}-submitter`,
            {
                metadata: { name: SUBMITTER, namespace: args.namespace, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: args.namespace }],
            },
            { parent: this },
        );

        const fromS3Secret = (key: string): k8s.types.input.core.v1.EnvVar => ({ name: key, valueFrom: { secretKeyRef: { name: this.s3SecretName, key } } });
        this.serviceAccountName = serviceAccount.metadata.name;
        this.configMapName = configMap.metadata.name;
        this.applicationDefaults = {
            namespace: args.namespace,
            sparkVersion: SPARK_VERSION,
            image: imageRef(images.spark, args.imageRegistry),
            imagePullPolicy: pullPolicy ?? "IfNotPresent",
            imagePullSecrets: pullSecrets,
            driverServiceAccount: args.operator.sparkServiceAccountName,
            sparkConf,
            env: [fromS3Secret(S3_ACCESS_KEY_ID), fromS3Secret(S3_SECRET_ACCESS_KEY)],
            podSecurityContext: restrictedPodSecurityContext(SPARK_UID),
            // Spark's entrypoint and local directories write inside the image, so the root filesystem stays writable.
            securityContext: { ...restrictedContainerSecurityContext(SPARK_UID), readOnlyRootFilesystem: false },
        };
        this.ready = [args.operator.release, binding, configMap, ...(s3Secret ? [s3Secret] : [])];
        // The Spark operator labels every driver and executor pod it launches so.
        this.clients = { namespace: args.namespace, podLabels: { "sparkoperator.k8s.io/launched-by-spark-operator": "true" } };
        this.registerOutputs({ serviceAccountName: this.serviceAccountName, configMapName: this.configMapName, eventLogDir: this.eventLogDir });
    }
}

/**
 * A SparkApplication `spec` (sparkoperator.k8s.io/v1beta2) combining the platform defaults with an
 * application's code and size. The S3 key pair reaches drivers and executors as environment
 * variables from a Secret; the spec itself holds no credential.
 */
export function sparkApplicationSpec(defaults: SparkApplicationDefaults, app: SparkApplicationShape): pulumi.Inputs {
    const pod = { env: defaults.env, podSecurityContext: defaults.podSecurityContext, securityContext: defaults.securityContext };
    return {
        type: app.type,
        mode: "cluster",
        sparkVersion: defaults.sparkVersion,
        image: defaults.image,
        imagePullPolicy: defaults.imagePullPolicy,
        ...(defaults.imagePullSecrets.length === 0 ? {} : { imagePullSecrets: [...defaults.imagePullSecrets] }),
        mainApplicationFile: app.mainApplicationFile,
        ...(app.mainClass === undefined ? {} : { mainClass: app.mainClass }),
        ...(app.arguments === undefined ? {} : { arguments: [...app.arguments] }),
        sparkConf: defaults.sparkConf,
        restartPolicy: { type: "Never" },
        driver: { ...pod, cores: app.driver.cores, memory: app.driver.memory, serviceAccount: defaults.driverServiceAccount },
        executor: { ...pod, instances: app.executor.instances, cores: app.executor.cores, memory: app.executor.memory },
    };
}
