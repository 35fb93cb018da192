/** A wrong command line: printed with the usage, exit status 2. */
export class UsageError extends Error {}

/**
 * Runs a command's text function as the process: prints its text and exits 0; prints the error
 * (and the usage for a {@link UsageError}) to stderr and exits 2 for a usage error, 1 otherwise.
 * The function itself is what the tests call, without a process.
 */
export function runCli(name: string, usage: string, command: (argv: readonly string[]) => Promise<string>): void {
    command(process.argv.slice(2)).then(
        (text) => {
            process.stdout.write(text);
            process.exit(0);
        },
        (e: unknown) => {
            process.stderr.write(`${name}: ${e instanceof Error ? e.message : String(e)}\n${e instanceof UsageError ? `${usage}\n` : ""}`);
            process.exit(e instanceof UsageError ? 2 : 1);
        },
    );
}
