import { ResourceValidationPolicy } from "@pulumi/policy";

const policyTypes = [
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    "minio:index/iamPolicy:IamPolicy",
];

interface Statement {
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
}

const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** IAM and MinIO policies grant named actions on named resources. */
export const iamNoWildcards: ResourceValidationPolicy = {
    name: "iam-no-wildcards",
    description:
        "IAM and MinIO policies allow no '*' action (nor 'service:*', nor NotAction) and no '*' resource (nor " +
        "NotResource): the registry gets exactly what Distribution's S3 driver needs.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!policyTypes.includes(args.type) || args.props.policy === undefined) return;
        let document: { Statement?: Statement | Statement[] };
        try {
            document = typeof args.props.policy === "string" ? JSON.parse(args.props.policy) : args.props.policy;
        } catch {
            reportViolation("The policy is not valid JSON.");
            return;
        }
        const statements =
            document.Statement === undefined ? [] : Array.isArray(document.Statement) ? document.Statement : [document.Statement];
        for (const statement of statements.filter((s) => s.Effect === "Allow")) {
            for (const action of list(statement.Action))
                if (action === "*" || action.endsWith(":*")) reportViolation(`The policy allows the wildcard action ${action}.`);
            if (statement.NotAction) reportViolation("The policy allows NotAction, which grants everything else.");
            for (const resource of list(statement.Resource))
                if (resource === "*" || /^arn:aws:s3:::\*/.test(resource))
                    reportViolation(`The policy allows the wildcard resource ${resource}.`);
            if (statement.NotResource) reportViolation("The policy allows NotResource, which grants everything else.");
        }
    },
};
