/** Rows as columns padded to their widest cell, one line each. */
export function alignedTable(rows: string[][]): string {
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    return rows
        .map(
            (row) =>
                row
                    .map((cell, column) => cell.padEnd(widths[column]))
                    .join("  ")
                    .trimEnd() + "\n",
        )
        .join("");
}
