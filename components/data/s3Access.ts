import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../lib/labels";
import { S3Location, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from "../lib/storage";

export interface S3AccessArgs {
    /** Namespace of the S3 client that needs the credentials. */
    readonly namespace: pulumi.Input<string>;
    /** The bucket, with its access key (`keys`), as the object store hands it out. */
    readonly location: S3Location;
}

/**
 * Gives an S3 client in another namespace the object store's application key: a Secret with
 * `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` in the client's namespace (Secrets are read only
 * within their namespace). `location` is the same bucket, pointing at that Secret.
 */
export class S3Access extends pulumi.ComponentResource {
    public readonly location: S3Location;

    constructor(name: string, args: S3AccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("analytics:data:S3Access", name, {}, opts);
        const keys = args.location.keys;
        if (keys === undefined) throw new Error(`S3Access ${name}: the location of bucket "${args.location.bucket}" carries no access key to copy`);
        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { name: `${name}-credentials`, namespace: args.namespace, labels: platformLabels("s3-access", name) },
                type: "Opaque",
                stringData: { [S3_ACCESS_KEY_ID]: keys.accessKeyId, [S3_SECRET_ACCESS_KEY]: keys.secretAccessKey },
            },
            { parent: this },
        );
        this.location = { ...args.location, secretName: secret.metadata.name };
        this.registerOutputs({ secretName: secret.metadata.name });
    }
}
