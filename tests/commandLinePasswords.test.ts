import * as assert from "assert";
import { Capture, runProgram, stackConfig, strings, useMocks } from "./harness";

/**
 * Password-taking flags of the command-line tools the platform's scripts and probes call:
 * `valkey-cli -a`/`--pass`, `superset fab create-admin|reset-password --password`,
 * `airflow users create|reset-password --password`. A value given this way is in
 * /proc/<pid>/cmdline, readable by every process on the node.
 */
const PASSWORD_FLAGS = [/\bvalkey-cli\b[^\n]*\s(-a|--pass)\s/, /\bredis-cli\b[^\n]*\s(-a|--pass)\s/, /\bsuperset fab [a-z-]+[^\n]*--password/, /\bairflow users [a-z-]+[^\n]*--password/];

/** Every string of every resource (commands, args, probes, scripts in ConfigMaps, chart values) that passes a password as an argument. */
function passwordArguments(capture: Capture): string[] {
    return capture.resources.flatMap((r) =>
        strings(r.inputs)
            .filter(([, s]) => PASSWORD_FLAGS.some((re) => re.test(s)))
            .map(([at, s]) => `${r.type} ${r.name} ${at}: ${s.split("\n").find((line) => PASSWORD_FLAGS.some((re) => re.test(line))) ?? s}`),
    );
}

describe("passwords on command lines", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: no script, probe or command passes a password as an argument`, async function () {
            this.timeout(120000);
            const capture = await useMocks(stackConfig(stack));
            await runProgram();
            assert.deepStrictEqual(passwordArguments(capture), []);
        });
    }

    it("the check catches each flag", () => {
        const capture = new Capture();
        const commands = [
            'valkey-cli --no-auth-warning -a "$VALKEY_PASSWORD" ping',
            'superset fab create-admin --username admin --password "$PW"',
            'airflow users reset-password --username admin --password "$PW"',
        ];
        commands.forEach((command, i) => capture.resources.push({ type: "t", name: `n${i}`, urn: "", parent: "", custom: true, inputs: { command }, dependencies: [], protect: false }));
        assert.strictEqual(passwordArguments(capture).length, 3);
    });
});
