/**
 * The Kafka topics a Flink SQL job writes, read from its SQL text: each `INSERT INTO` target whose
 * `CREATE TABLE … WITH (…)` uses the `kafka` or `upsert-kafka` connector. An `upsert-kafka` sink
 * writes the latest row per key and a tombstone per delete, so its topic must be compacted; a
 * `kafka` sink appends, so its topic keeps the broker's `delete` policy.
 */
export interface SinkTopic {
    /** The sink table's name in the SQL. */
    readonly table: string;
    /** The topic from the table's `'topic'` option. */
    readonly topic: string;
    readonly cleanupPolicy: "compact" | "delete";
}

const CREATE_TABLE = /CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[`"]?([\w.]+)[`"]?\s*\(([\s\S]*?)\)\s*WITH\s*\(([\s\S]*?)\)\s*;/gi;
const OPTION = /'([^']+)'\s*=\s*'([^']*)'/g;
const INSERT_INTO = /INSERT\s+(?:INTO|OVERWRITE)\s+[`"]?([\w.]+)[`"]?/gi;

/** The SQL with `--` line comments removed (a quoted `--` inside an option is kept). */
function stripComments(sql: string): string {
    return sql
        .split("\n")
        .map((line) => {
            let quoted = false;
            for (let i = 0; i < line.length; i++) {
                if (line[i] === "'") quoted = !quoted;
                else if (!quoted && line.startsWith("--", i)) return line.slice(0, i);
            }
            return line;
        })
        .join("\n");
}

export function sinkTopics(sql: string): SinkTopic[] {
    const text = stripComments(sql);
    const targets = new Set([...text.matchAll(INSERT_INTO)].map((m) => m[1].toLowerCase()));
    const result: SinkTopic[] = [];
    for (const m of text.matchAll(CREATE_TABLE)) {
        const table = m[1];
        if (!targets.has(table.toLowerCase())) continue;
        const options = Object.fromEntries([...m[3].matchAll(OPTION)].map((o) => [o[1], o[2]]));
        const connector = options.connector;
        if ((connector !== "kafka" && connector !== "upsert-kafka") || options.topic === undefined) continue;
        for (const topic of options.topic.split(";").map((t) => t.trim()).filter((t) => t !== "")) {
            result.push({ table, topic, cleanupPolicy: connector === "upsert-kafka" ? "compact" : "delete" });
        }
    }
    return result;
}
