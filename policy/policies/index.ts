import { Policies } from "@pulumi/policy";
import { awsBucketsPrivateAndEncrypted } from "./awsBucketsPrivateAndEncrypted";
import { iamNoWildcards } from "./iamNoWildcards";
import { imagesPinned } from "./imagesPinned";
import { minioNotExposed } from "./minioNotExposed";
import { noPlaintextCredentials } from "./noPlaintextCredentials";
import { podsRestricted } from "./podsRestricted";
import { pullSideContained } from "./pullSideContained";
import { registryAuthAndRedirects } from "./registryAuthAndRedirects";
import { registryIngressUnlimitedBody } from "./registryIngressUnlimitedBody";
import { statefulResourcesProtected } from "./statefulResourcesProtected";

export {
    awsBucketsPrivateAndEncrypted,
    iamNoWildcards,
    imagesPinned,
    minioNotExposed,
    noPlaintextCredentials,
    podsRestricted,
    pullSideContained,
    registryAuthAndRedirects,
    registryIngressUnlimitedBody,
    statefulResourcesProtected,
};

/** Every policy of the pack, exported so tests run them without the Pulumi engine. */
export const policies: Policies = [
    imagesPinned,
    registryAuthAndRedirects,
    noPlaintextCredentials,
    minioNotExposed,
    podsRestricted,
    statefulResourcesProtected,
    awsBucketsPrivateAndEncrypted,
    iamNoWildcards,
    registryIngressUnlimitedBody,
    pullSideContained,
];
