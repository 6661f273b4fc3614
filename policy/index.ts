import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies/index";

// Run with: pulumi preview --policy-pack policy
new PolicyPack("orbit-registry", { policies });
