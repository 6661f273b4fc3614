import { ResourceValidationPolicy } from "@pulumi/policy";
import { pinnedImage } from "../lib/imageReference";
import { containersOf, podSpecOf } from "../lib/kubernetes";

/** Every image a container runs is pinned to a tag (not latest) or a digest. */
export const imagesPinned: ResourceValidationPolicy = {
    name: "images-pinned",
    description:
        "Every image is pinned to a tag other than 'latest' or to a sha256 digest: Docker images and containers, every " +
        "Kubernetes container, initContainer and Job.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const check = (image: unknown, where: string) => {
            if (typeof image !== "string") return;
            // A Docker container's image is usually the pulled image's id, which is a digest already.
            if (/^sha256:[a-f0-9]{64}$/.test(image)) return;
            const allowed = pinnedImage(image);
            if (allowed) reportViolation(`${where} uses image ${JSON.stringify(image)}; expected ${allowed}.`);
        };
        if (args.type === "docker:index/remoteImage:RemoteImage") check(args.props.name, "Docker image");
        if (args.type === "docker:index/container:Container") check(args.props.image, `Docker container ${args.props.name ?? args.name}`);
        const pod = podSpecOf(args.type, args.props);
        if (pod) {
            for (const { kind, container } of containersOf(pod)) check(container.image, `${kind} ${container.name}`);
        }
    },
};
