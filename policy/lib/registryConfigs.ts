/* eslint-disable @typescript-eslint/no-explicit-any */
import { parse } from "yaml";

/**
 * Docker Distribution config.yml files a resource carries: a ConfigMap's `config.yml` key, or a
 * file uploaded into a Docker container as …/registry/config.yml or …/distribution/config.yml.
 * Parsed; unparsable ones are skipped.
 */
export function registryConfigsOf(type: string, props: Record<string, any>): Array<Record<string, any>> {
    const texts: string[] = [];
    if (type === "kubernetes:core/v1:ConfigMap" && typeof props.data?.["config.yml"] === "string") texts.push(props.data["config.yml"]);
    if (type === "docker:index/container:Container") {
        for (const upload of props.uploads ?? []) {
            // registry:2 reads /etc/docker/registry/config.yml, registry:3 /etc/distribution/config.yml.
            if (/\/(registry|distribution)\/config\.ya?ml$/.test(upload.file ?? "") && typeof upload.content === "string") {
                texts.push(upload.content);
            }
        }
    }
    return texts
        .map((text) => {
            try {
                return parse(text);
            } catch {
                return undefined;
            }
        })
        .filter((config) => config && typeof config === "object" && config.storage !== undefined);
}
