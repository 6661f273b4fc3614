import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The files of a throwaway cluster PKI, made per run with openssl. */
export interface ClusterPki {
    caCert: string;
    caKey: string;
    serverCert: string;
    serverKey: string;
    /** Client certificate in the system:masters group: the cluster admin. */
    adminCert: string;
    adminKey: string;
    /** RSA key pair that signs and verifies service-account tokens. */
    serviceAccountKey: string;
    serviceAccountPub: string;
}

const serverNames = [
    "IP:127.0.0.1",
    "IP:10.0.0.1",
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
];

const leafExtensions = "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n";

/** A CA, an apiserver serving certificate, an admin client certificate and a service-account key pair. */
export function makePki(dir: string): ClusterPki {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = (name: string) => path.join(dir, name);
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const key = (name: string) => openssl("genrsa", "-out", file(name), "2048");
    const signed = (name: string, subject: string, extensions: string) => {
        key(`${name}.key`);
        openssl("req", "-new", "-key", file(`${name}.key`), "-subj", subject, "-out", file(`${name}.csr`));
        fs.writeFileSync(file(`${name}.ext`), extensions);
        openssl(
            "x509",
            "-req",
            "-in",
            file(`${name}.csr`),
            "-CA",
            file("ca.crt"),
            "-CAkey",
            file("ca.key"),
            "-CAcreateserial",
            "-days",
            "2",
            "-sha256",
            "-extfile",
            file(`${name}.ext`),
            "-out",
            file(`${name}.crt`),
        );
    };

    key("ca.key");
    openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        file("ca.key"),
        "-subj",
        "/CN=orbit-registry-test-ca",
        "-days",
        "2",
        "-sha256",
        "-out",
        file("ca.crt"),
    );
    signed("apiserver", "/CN=kube-apiserver", `${leafExtensions}extendedKeyUsage=serverAuth\nsubjectAltName=${serverNames.join(",")}\n`);
    signed("admin", "/CN=orbit-registry-test-admin/O=system:masters", `${leafExtensions}extendedKeyUsage=clientAuth\n`);
    key("sa.key");
    openssl("rsa", "-in", file("sa.key"), "-pubout", "-out", file("sa.pub"));

    return {
        caCert: file("ca.crt"),
        caKey: file("ca.key"),
        serverCert: file("apiserver.crt"),
        serverKey: file("apiserver.key"),
        adminCert: file("admin.crt"),
        adminKey: file("admin.key"),
        serviceAccountKey: file("sa.key"),
        serviceAccountPub: file("sa.pub"),
    };
}

/** A kubeconfig for the admin certificate against `server`. */
export function writeKubeconfig(file: string, server: string, pki: ClusterPki): string {
    const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ${server}
    certificate-authority: ${pki.caCert}
users:
- name: admin
  user:
    client-certificate: ${pki.adminCert}
    client-key: ${pki.adminKey}
contexts:
- name: test
  context:
    cluster: test
    user: admin
current-context: test
`;
    fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
    return file;
}
