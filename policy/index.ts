import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs } from "./pack";

// The pack's entry point: constructing the PolicyPack starts the analyzer the CLI talks to, so
// nothing else may import this file (tests import ./pack). Run it with
// `pulumi preview --policy-pack policy --policy-pack-config policy/config.<profile>.json`.
new PolicyPack(PACK_NAME, packArgs);
