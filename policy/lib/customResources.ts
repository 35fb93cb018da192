/** Type tokens of the custom resources the program authors, as the Kubernetes provider registers them. */
export const CR = {
    pxc: "kubernetes:pxc.percona.com/v1:PerconaXtraDBCluster",
    kafka: "kubernetes:kafka.strimzi.io/v1:Kafka",
    kafkaNodePool: "kubernetes:kafka.strimzi.io/v1:KafkaNodePool",
    kafkaConnect: "kubernetes:kafka.strimzi.io/v1:KafkaConnect",
    pgCluster: "kubernetes:postgresql.cnpg.io/v1:Cluster",
    tenant: "kubernetes:minio.min.io/v2:Tenant",
    flink: "kubernetes:flink.apache.org/v1beta1:FlinkDeployment",
    spark: "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication",
} as const;
