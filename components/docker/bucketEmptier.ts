import * as pulumi from "@pulumi/pulumi";
import { bucketEmptierProvider } from "./bucketEmptierProvider";

export interface BucketEmptierArgs {
    endpoint: pulumi.Input<string>;
    accessKey: pulumi.Input<string>;
    secretKey: pulumi.Input<string>;
    bucket: pulumi.Input<string>;
    emptyOnDelete: boolean;
}

/** Empties the registry's bucket when the stack is torn down with protectData false (bucketEmptierProvider). */
export class BucketEmptier extends pulumi.dynamic.Resource {
    constructor(name: string, args: BucketEmptierArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            bucketEmptierProvider,
            name,
            { ...args, accessKey: pulumi.secret(args.accessKey), secretKey: pulumi.secret(args.secretKey) },
            opts,
            "orbit-registry",
            "BucketEmptier",
        );
    }
}
