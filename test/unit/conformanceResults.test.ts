import * as assert from "assert";
import { outcomesByName, readResultTree } from "../conformance/harness/conformance";

// The shape the OCI conformance suite prints: an indented tree, errors under failing leaves, totals.
const printed = `OCI Conformance Test: FAIL
  OCI Conformance Test/ping: Pass
  OCI Conformance Test/sha256 blobs: FAIL
    OCI Conformance Test/sha256 blobs/empty: FAIL
      OCI Conformance Test/sha256 blobs/empty/blob-post-put: FAIL
       - blob put failed: received 500
      OCI Conformance Test/sha256 blobs/empty/blob-delete: Pass
      OCI Conformance Test/sha256 blobs/empty/blob-delete: FAIL
       - blob delete failed
    OCI Conformance Test/sha256 blobs/post cancel/blob-post-cancel: Skip
       - api Blob upload cancel is disabled in the configuration
  OCI Conformance Test/tag param: Disabled

Results:
  Disabled......................:          1
  Skip..........................:          1
  Pass..........................:          3
  FAIL..........................:          5
`;

describe("reading the OCI conformance suite's results", () => {
    const run = readResultTree(printed);

    it("keeps the leaves of the tree with their outcome and first error line", () => {
        assert.deepStrictEqual(
            run.cases.map((c) => [c.name.replace("OCI Conformance Test/", ""), c.outcome, c.message]),
            [
                ["ping", "passed", ""],
                ["sha256 blobs/empty/blob-post-put", "failure", "blob put failed: received 500"],
                ["sha256 blobs/empty/blob-delete", "passed", ""],
                ["sha256 blobs/empty/blob-delete", "failure", "blob delete failed"],
                ["sha256 blobs/post cancel/blob-post-cancel", "skipped", "api Blob upload cancel is disabled in the configuration"],
                ["tag param", "skipped", ""],
            ],
        );
    });

    it("reads the suite's totals", () => assert.deepStrictEqual(run.totals, { tests: 10, failures: 5, skipped: 1 }));

    it("counts a name the suite runs twice as failing when either run failed", () => {
        assert.strictEqual(outcomesByName(run.cases).get("OCI Conformance Test/sha256 blobs/empty/blob-delete")?.outcome, "failure");
    });
});
