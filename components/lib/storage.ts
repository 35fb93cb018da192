import * as pulumi from "@pulumi/pulumi";

/** Keys of the S3 credentials Secret every S3 client of the platform reads. */
export const S3_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";
export const S3_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";

/** A bucket in an S3-compatible object store, as a client (backups, catalogs, engines) needs it. */
export interface S3Location {
    /** S3 API URL reachable from inside the cluster. */
    readonly endpoint: pulumi.Input<string>;
    /** Secret with `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, in the client's namespace. */
    readonly secretName: pulumi.Input<string>;
    /** Bucket name (no path). */
    readonly bucket: string;
    /** Resources a client waits for: the ready object store, with its buckets created. */
    readonly ready: pulumi.Resource[];
    /**
     * The access key itself, as Pulumi secrets, for clients in another namespace: they copy it
     * into a Secret of their own (never anywhere else). Absent when only the Secret is shared.
     */
    readonly keys?: { readonly accessKeyId: pulumi.Output<string>; readonly secretAccessKey: pulumi.Output<string> };
}
