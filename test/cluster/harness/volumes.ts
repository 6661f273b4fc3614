import { KubeObject } from "./kubeApi";

/** A static PersistentVolume an administrator provides for MinIO's claims, of a StorageClass or none. */
export const staticVolume = (name: string, size: string, storageClassName = ""): KubeObject => ({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: {
        capacity: { storage: size },
        accessModes: ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName,
        hostPath: { path: `/var/lib/${name}` },
    },
});
