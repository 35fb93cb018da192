// The tests' view of the mock runner (scripts/lib/mockProgram.ts), shared with the offline plan.
export * from "../scripts/lib/mockProgram";
