/**
 * Least-privilege S3 for the platform's own object store (decision 0043): one user per client
 * component, each with a policy naming only the buckets (and key prefixes) it uses, read-only where
 * the client only reads. The pieces here are plain data and text, so unit tests read them and the
 * engine suite runs the very script the provisioning Job runs against a real MinIO.
 */

/** What a client may do in a bucket. `readwrite` includes deleting (backup retention, checkpoint cleanup, Iceberg compaction). */
export type BucketAccess = "read" | "readwrite";

/** One bucket a client uses. */
export interface S3Grant {
    readonly bucket: string;
    readonly access: BucketAccess;
    /** Key prefix (ending in "/") the object rights are limited to; default the whole bucket. Listing stays bucket-wide. */
    readonly prefix?: string;
}

/** A client component of the object store: its S3 user and its grants. */
export interface S3Client {
    /** Client and policy name, e.g. `postgres-backups`: 3-32 lower-case letters, digits and '-'. */
    readonly name: string;
    readonly grants: readonly S3Grant[];
}

/** Retention of a versioned bucket: every overwritten or deleted object is kept this long, then removed. */
export interface VersionedBucket {
    readonly bucket: string;
    /** Days a noncurrent version (an overwritten or deleted object) is kept (>= 1). */
    readonly noncurrentDays: number;
    /**
     * Key prefixes whose objects expire (become noncurrent) after `days`: for writers that never delete
     * what they wrote, such as ClickHouse's full backups. Default none.
     */
    readonly expire?: readonly { readonly prefix: string; readonly days: number }[];
}

export const CLIENT_NAME = /^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$/;

/** Actions on the bucket itself: HEAD/location and listing, which every S3 client needs to find its objects. */
const BUCKET_ACTIONS = ["s3:GetBucketLocation", "s3:ListBucket"] as const;
/** Multipart bookkeeping on the bucket, for writers (large uploads, and their cleanup). */
const BUCKET_WRITE_ACTIONS = ["s3:ListBucketMultipartUploads"] as const;
const OBJECT_READ_ACTIONS = ["s3:GetObject"] as const;
/**
 * Writers also delete: backup tools enforce their retention, Flink removes old checkpoints, Iceberg
 * writers remove replaced files. Not granted to anyone: `s3:DeleteObjectVersion`,
 * `s3:PutBucketVersioning`, `s3:PutLifecycleConfiguration`, `s3:PutBucketPolicy` and every admin
 * action, so on a versioned bucket a client's delete leaves a noncurrent version it cannot remove.
 */
const OBJECT_WRITE_ACTIONS = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"] as const;
/** Denied to writers explicitly: without the Deny, MinIO lets `s3:DeleteObject` remove a given version. */
const DENIED_OBJECT_ACTIONS = ["s3:DeleteObjectVersion"] as const;

/**
 * The IAM policy (MinIO's policy language is AWS's) of one client: an Allow per bucket and, for a
 * writer, an explicit Deny of deleting object versions. MinIO lets `s3:DeleteObject` with a
 * `versionId` through unless `s3:DeleteObjectVersion` is denied outright (`checkRequestAuthType`
 * asks about it with `DenyOnly`; the engine test showed a writer erasing a version without it).
 */
export function clientPolicy(client: S3Client): { Version: string; Statement: { Effect: "Allow" | "Deny"; Action: string[]; Resource: string[] }[] } {
    const statements = client.grants.flatMap((g) => {
        const write = g.access === "readwrite";
        const objects = `arn:aws:s3:::${g.bucket}/${g.prefix ?? ""}*`;
        return [
            { Effect: "Allow" as const, Action: [...BUCKET_ACTIONS, ...(write ? BUCKET_WRITE_ACTIONS : [])], Resource: [`arn:aws:s3:::${g.bucket}`] },
            { Effect: "Allow" as const, Action: [...OBJECT_READ_ACTIONS, ...(write ? OBJECT_WRITE_ACTIONS : [])], Resource: [objects] },
            ...(write ? [{ Effect: "Deny" as const, Action: [...DENIED_OBJECT_ACTIONS], Resource: [objects] }] : []),
        ];
    });
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * The lifecycle configuration of a versioned bucket, in the JSON `mc ilm rule import` reads: noncurrent
 * versions expire after `noncurrentDays` and delete markers left with no version behind them go
 * (MinIO drops an `AbortIncompleteMultipartUpload` rule on import; it cleans up stale uploads by
 * itself). Current objects never expire here: the backup tools own
 * their retention (a rule expiring live objects would cut PostgreSQL's WAL chain under Barman).
 */
export function lifecycleConfiguration(v: VersionedBucket): { Rules: object[] } {
    return {
        Rules: [
            {
                ID: `${v.bucket}-retention`,
                Status: "Enabled",
                Expiration: { ExpiredObjectDeleteMarker: true },
                NoncurrentVersionExpiration: { NoncurrentDays: v.noncurrentDays },
            },
            ...(v.expire ?? []).map((e) => ({
                ID: `${v.bucket}-${e.prefix.replace(/[^A-Za-z0-9]+/g, "-").replace(/-+$/, "")}-expiry`,
                Status: "Enabled",
                Filter: { Prefix: e.prefix },
                Expiration: { Days: e.days },
            })),
        ],
    };
}

/** File names inside the provisioning configuration (a ConfigMap mounted at POLICY_DIR). */
export const PROVISION_FILES = {
    /** One client name per line. */
    users: "users",
    /** One versioned bucket per line. */
    versioned: "versioned-buckets",
    script: "provision.sh",
    policy: (client: string): string => `policy-${client}.json`,
    lifecycle: (bucket: string): string => `lifecycle-${bucket}.json`,
} as const;

/** The policy MinIO's operator gives the users of a Tenant's `users` list; only the root login keeps such rights here. */
export const CONSOLE_ADMIN_POLICY = "consoleAdmin";

/**
 * Prefix of every client policy's name (`platform-s3-<client>`): a user not declared (a rotated-away
 * access key, a client switched off) is recognised by it and removed.
 */
export const CLIENT_POLICY_PREFIX = "platform-s3-";

/** The MinIO policy name of a client. */
export const clientPolicyName = (client: string): string => `${CLIENT_POLICY_PREFIX}${client}`;

/**
 * The provisioning script (bash and MinIO's `mc`, nothing else), idempotent. Environment: `S3_ENDPOINT`
 * (`http://host[:port]`), `MINIO_ROOT_USER`/`MINIO_ROOT_PASSWORD` (from the root Secret),
 * `POLICY_DIR` (the files of {@link PROVISION_FILES}) and `KEYS_DIR` (`<client>/AWS_ACCESS_KEY_ID`
 * and `AWS_SECRET_ACCESS_KEY`, each client's Secret mounted as files). No secret key is ever an
 * argument: the admin login reaches `mc` as the `MC_HOST_store` variable and each user's keys on its
 * standard input. One exception for the access key alone: `mc admin policy attach` takes the user only
 * as `--user` (mc at the pinned commit has no stdin or file form), so each client's access key is an
 * argument of that one short `mc` process inside the Job's pod (decision 0043); and `mc admin user
 * remove` takes the access key of the user it removes.
 *
 * 1. Each client: its policy `platform-s3-<client>` created (or replaced), its user added (or its
 *    secret key reset) and the policy attached.
 * 2. Every other user holding `consoleAdmin` or a `platform-s3-` policy is removed: the first is what
 *    the operator made of a Tenant `users` entry (the single application key earlier versions of the
 *    platform used), the second an access key rotated away or the user of a client switched off.
 * 3. Each versioned bucket: versioning on and its lifecycle configuration imported (replacing any).
 */
export const PROVISION_SCRIPT = [
    "set -euo pipefail",
    'export MC_CONFIG_DIR="${MC_CONFIG_DIR:-${TMPDIR:-/tmp}/.mc}"',
    'export MC_HOST_store="${S3_ENDPOINT%%://*}://${MINIO_ROOT_USER}:${MINIO_ROOT_PASSWORD}@${S3_ENDPOINT#*://}"',
    "mc ready store --json >/dev/null",
    "declared=' '",
    "while read -r user <&3; do",
    '  [ -n "$user" ] || continue',
    '  keys="$KEYS_DIR/$user"',
    '  access_key="$(cat "$keys/AWS_ACCESS_KEY_ID")"',
    `  policy="${CLIENT_POLICY_PREFIX}$user"`,
    `  mc admin policy create store "$policy" "$POLICY_DIR/policy-$user.json" >/dev/null`,
    '  { printf "%s\\n" "$access_key"; cat "$keys/AWS_SECRET_ACCESS_KEY"; printf "\\n"; } | mc admin user add store >/dev/null',
    '  mc admin policy attach store "$policy" --user "$access_key" >/dev/null',
    '  declared="$declared$access_key "',
    '  echo "user of $user: policy $policy attached"',
    `done 3< "$POLICY_DIR/${PROVISION_FILES.users}"`,
    "# Nobody but the root login keeps consoleAdmin; no undeclared key keeps a client policy. (Removed keys are printed: they are dead.)",
    "mc admin user list store --json | while read -r line; do",
    '  [[ "$line" =~ \\"accessKey\\":\\"([^\\"]+)\\" ]] || continue',
    '  key="${BASH_REMATCH[1]}"',
    '  case "$declared" in *" $key "*) continue ;; esac',
    '  [[ "$line" =~ \\"policyName\\":\\"([^\\"]*)\\" ]] || continue',
    '  held="${BASH_REMATCH[1]}"',
    `  case ",$held," in *,${CONSOLE_ADMIN_POLICY},* | *,${CLIENT_POLICY_PREFIX}*) mc admin user remove store "$key" >/dev/null; echo "user $key: removed (held $held)" ;; esac`,
    "done",
    "while read -r bucket <&3; do",
    '  [ -n "$bucket" ] || continue',
    '  mc version enable "store/$bucket" >/dev/null',
    '  mc ilm rule import "store/$bucket" < "$POLICY_DIR/lifecycle-$bucket.json" >/dev/null',
    '  echo "bucket $bucket: versioned, lifecycle imported"',
    `done 3< "$POLICY_DIR/${PROVISION_FILES.versioned}"`,
    "",
].join("\n");

/** Rejects client lists the store cannot provision, before any resource exists. */
export function validateClients(where: string, clients: readonly S3Client[], buckets: readonly string[], versioned: readonly VersionedBucket[]): void {
    const seen = new Set<string>();
    for (const c of clients) {
        if (!CLIENT_NAME.test(c.name)) throw new Error(`${where}: S3 client name "${c.name}" must be 3-32 lower-case letters, digits and '-'`);
        if (seen.has(c.name)) throw new Error(`${where}: S3 client "${c.name}" is declared twice`);
        seen.add(c.name);
        if (c.grants.length === 0) throw new Error(`${where}: S3 client "${c.name}" has no bucket grant`);
        for (const g of c.grants) {
            if (!buckets.includes(g.bucket)) throw new Error(`${where}: S3 client "${c.name}" is granted bucket "${g.bucket}", which the store does not have (${buckets.join(", ")})`);
            if (g.prefix !== undefined && !/^[A-Za-z0-9._-][A-Za-z0-9._/-]*\/$/.test(g.prefix)) {
                throw new Error(`${where}: S3 client "${c.name}": prefix "${g.prefix}" must be a key prefix ending in "/"`);
            }
        }
    }
    for (const v of versioned) {
        if (!buckets.includes(v.bucket)) throw new Error(`${where}: versioned bucket "${v.bucket}" is not one of the store's buckets (${buckets.join(", ")})`);
        if (!Number.isInteger(v.noncurrentDays) || v.noncurrentDays < 1) throw new Error(`${where}: noncurrentDays of bucket "${v.bucket}" must be a positive integer, got ${v.noncurrentDays}`);
        for (const e of v.expire ?? []) {
            if (!/^[A-Za-z0-9._-][A-Za-z0-9._/-]*\/$/.test(e.prefix)) throw new Error(`${where}: expiring prefix "${e.prefix}" of bucket "${v.bucket}" must be a key prefix ending in "/"`);
            if (!Number.isInteger(e.days) || e.days < 1) throw new Error(`${where}: expiry of "${e.prefix}" in bucket "${v.bucket}" must be a positive number of days, got ${e.days}`);
        }
    }
}
