import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { platformLabels } from "../lib/labels";
import { waitForCondition } from "../lib/readiness";

/** How every Kafka client connects: SCRAM-SHA-512 over TLS, the brokers' certificate signed by the platform CA. */
export const KAFKA_SECURITY_PROTOCOL = "SASL_SSL";
export const KAFKA_SASL_MECHANISM = "SCRAM-SHA-512";
/** Where clients mount their credentials Secret; `client.properties` names the CA file under it. */
export const KAFKA_CLIENT_DIR = "/etc/kafka-client";
/** Keys of a client's credentials Secret. */
export const KAFKA_CLIENT_KEYS = {
    username: "username",
    password: "password",
    /** The platform CA certificate (PEM) that signs the brokers' certificate. */
    ca: "ca.crt",
    /** `sasl.jaas.config` for Java clients. */
    jaas: "sasl.jaas.config",
    /** A Java client properties file: protocol, mechanism, JAAS line and the PEM trust store at {@link KAFKA_CLIENT_DIR}. */
    properties: "client.properties",
} as const;

/** The CA certificate's path inside a client pod that mounts its Secret with {@link kafkaClientVolume}. */
export const KAFKA_CA_FILE = `${KAFKA_CLIENT_DIR}/${KAFKA_CLIENT_KEYS.ca}`;

/** A Kafka operation as ACLs name it (Strimzi's `operations` enum). */
export type KafkaOperation = "Read" | "Write" | "Create" | "Delete" | "Alter" | "Describe" | "ClusterAction" | "AlterConfigs" | "DescribeConfigs" | "IdempotentWrite" | "All";

/** One ACL: what the user may do to a topic, group or transactional ID (a literal name, or every name with a prefix). */
export interface KafkaAcl {
    readonly type: "topic" | "group" | "transactionalId" | "cluster";
    /** The resource name, or the prefix when `prefix` is true; ignored for `cluster`. */
    readonly name?: string;
    /** Match every name starting with `name`. Default false. */
    readonly prefix?: boolean;
    readonly operations: readonly KafkaOperation[];
}

/** What a client needs to connect as its own user: where, which Secret (in its namespace), which user. */
export interface KafkaClientAccess {
    /** TLS bootstrap address, `host:9093`. */
    readonly bootstrapServers: pulumi.Input<string>;
    /** The user (SCRAM user name). */
    readonly username: string;
    /** Secret in the client's namespace holding {@link KAFKA_CLIENT_KEYS}. */
    readonly secretName: pulumi.Output<string>;
    /** The generated password (a secret Output), for clients whose own config is a Secret (Airflow's connection). */
    readonly password: pulumi.Output<string>;
    /** The CA certificate (PEM) to trust. */
    readonly caCertPem: pulumi.Input<string>;
    /** The ready KafkaUser: the broker accepts the credentials only once it is. */
    readonly ready: pulumi.Resource[];
}

/** The cluster a user belongs to. */
export interface KafkaUserCluster {
    readonly clusterName: pulumi.Input<string>;
    readonly namespace: pulumi.Input<string>;
    readonly bootstrapServers: pulumi.Input<string>;
    /** The operator release (serves the KafkaUser kind) and the Kafka object (its User Operator reconciles users). */
    readonly operator: pulumi.Resource;
    readonly kafka: pulumi.Resource;
    /** The platform CA certificate (PEM) the brokers' certificate chains to. */
    readonly caCertPem: pulumi.Input<string>;
}

export interface KafkaClientUserArgs {
    /** The KafkaUser's name, which is the SCRAM user name (a DNS label). */
    readonly username: string;
    readonly cluster: KafkaUserCluster;
    /** Namespace of the client's pods, where its credentials Secret goes. */
    readonly clientNamespace: pulumi.Input<string>;
    /** The user's rights; nothing else is allowed (the cluster uses `simple` authorization). */
    readonly acls: readonly KafkaAcl[];
}

/** The JAAS line a Java client authenticates with. */
export function scramJaas(username: pulumi.Input<string>, password: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.interpolate`org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="${password}";`;
}

/**
 * One Kafka client's own user: a generated password, a `KafkaUser` (SCRAM-SHA-512, `simple` ACLs)
 * that takes it from a Secret in Kafka's namespace (Strimzi's User Operator writes Secrets only
 * there), and the same password with the CA and ready-made client settings in a Secret in the
 * client's namespace, which the client reads by name.
 */
export class KafkaClientUser extends pulumi.ComponentResource {
    public readonly user: k8s.apiextensions.CustomResource;
    public readonly access: KafkaClientAccess;

    constructor(name: string, args: KafkaClientUserArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:KafkaClientUser", name, {}, opts);
        const user = args.username;
        const labels = platformLabels("kafka-user", user);
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        const source = new k8s.core.v1.Secret(
            `${name}-password`,
            {
                metadata: { name: `${user}-password`, namespace: args.cluster.namespace, labels },
                type: "Opaque",
                stringData: { [KAFKA_CLIENT_KEYS.password]: password.result },
            },
            { parent: this },
        );
        this.user = new k8s.apiextensions.CustomResource(
            `${name}-user`,
            {
                apiVersion: "kafka.strimzi.io/v1",
                kind: "KafkaUser",
                metadata: { name: user, namespace: args.cluster.namespace, labels: { ...labels, "strimzi.io/cluster": args.cluster.clusterName }, annotations: waitForCondition("Ready") },
                spec: {
                    authentication: { type: "scram-sha-512", password: { valueFrom: { secretKeyRef: { name: source.metadata.name, key: KAFKA_CLIENT_KEYS.password } } } },
                    authorization: { type: "simple", acls: args.acls.map(aclSpec) },
                },
            },
            // The kind comes from the operator release; the cluster's User Operator creates the user once the cluster is Ready.
            { parent: this, dependsOn: [args.cluster.operator, args.cluster.kafka] },
        );
        const jaas = scramJaas(user, password.result);
        const secret = new k8s.core.v1.Secret(
            `${name}-client`,
            {
                metadata: { name: `kafka-${user}`, namespace: args.clientNamespace, labels },
                type: "Opaque",
                stringData: {
                    [KAFKA_CLIENT_KEYS.username]: user,
                    [KAFKA_CLIENT_KEYS.password]: password.result,
                    [KAFKA_CLIENT_KEYS.ca]: args.cluster.caCertPem,
                    [KAFKA_CLIENT_KEYS.jaas]: jaas,
                    [KAFKA_CLIENT_KEYS.properties]: pulumi.interpolate`security.protocol=${KAFKA_SECURITY_PROTOCOL}
sasl.mechanism=${KAFKA_SASL_MECHANISM}
sasl.jaas.config=${jaas}
ssl.truststore.type=PEM
ssl.truststore.location=${KAFKA_CA_FILE}
`,
                },
            },
            { parent: this },
        );
        this.access = {
            bootstrapServers: args.cluster.bootstrapServers,
            username: user,
            secretName: secret.metadata.name,
            password: pulumi.secret(password.result),
            caCertPem: args.cluster.caCertPem,
            ready: [this.user],
        };
        this.registerOutputs({ username: user, secretName: secret.metadata.name });
    }
}

function aclSpec(acl: KafkaAcl): Record<string, unknown> {
    const resource = acl.type === "cluster" ? { type: "cluster" } : { type: acl.type, name: acl.name ?? "", patternType: (acl.prefix ?? false) ? "prefix" : "literal" };
    return { resource, operations: [...acl.operations] };
}

/** Read a topic (and describe it). */
export const readTopic = (name: string, prefix = false): KafkaAcl => ({ type: "topic", name, prefix, operations: ["Read", "Describe"] });
/** Write to a topic (and describe it). */
export const writeTopic = (name: string, prefix = false): KafkaAcl => ({ type: "topic", name, prefix, operations: ["Write", "Describe"] });
/** Read and write a topic. */
export const readWriteTopic = (name: string, prefix = false): KafkaAcl => ({ type: "topic", name, prefix, operations: ["Read", "Write", "Describe"] });
/** Use a consumer group (join, commit offsets). */
export const useGroup = (name: string, prefix = false): KafkaAcl => ({ type: "group", name, prefix, operations: ["Read", "Describe"] });

/** Volume and mount that place a client's credentials Secret at {@link KAFKA_CLIENT_DIR}, read-only. */
export function kafkaClientVolume(access: KafkaClientAccess, volumeName = "kafka-client"): { volume: k8s.types.input.core.v1.Volume; mount: k8s.types.input.core.v1.VolumeMount } {
    return {
        volume: { name: volumeName, secret: { secretName: access.secretName, defaultMode: 0o444 } },
        mount: { name: volumeName, mountPath: KAFKA_CLIENT_DIR, readOnly: true },
    };
}
