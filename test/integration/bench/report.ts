import { Measurement, Operation, operations } from "./measure";

export interface BenchReport {
    date: string;
    machine: string;
    versions: Record<string, string>;
    /** The S3 driver settings measured. */
    settings: Record<string, number | string>;
    runs: number;
    /** CPU cores of the machine: the ceiling of "busy cores". */
    cores: number;
    results: Measurement[];
    /** Registry peak RSS under concurrent pushes, with the limit it is held to. */
    memory?: {
        uploads: number;
        layerMiB: number;
        /** 2 × chunksize × uploads + 64 MiB: what the S3 driver's buffers need. */
        limitMiB: number;
        /** One measurement per GOMEMLIMIT setting. */
        runs: Array<{ goMemLimit: string; peakRssMiB: number; seconds: number }>;
    };
}

const fixed = (value: number) => value.toFixed(2);
const tableHead = (columns: string[]) => `| ${columns.join(" | ")} |\n|${"---|".repeat(columns.length)}`;
const operationNames: Record<Operation, string> = {
    push: "push",
    rawPut: "raw put",
    pull: "pull",
    redirectedPull: "redirected pull",
    rawGet: "raw get",
};

/** The table of docs/throughput.md: MiB/s and ratios to raw MinIO, per workload and client. */
export function markdownTable(report: BenchReport): string {
    const lines = [
        `Measured ${report.date} on ${report.machine}; ${Object.entries(report.versions)
            .map(([name, version]) => `${name} ${version}`)
            .join(", ")}; median of ${report.runs} runs; S3 settings ${Object.entries(report.settings)
            .map(([key, value]) => `${key} ${value}`)
            .join(", ")}.`,
        "",
        tableHead([
            "workload",
            "client",
            "push MiB/s",
            "raw put MiB/s",
            "push ÷ raw put",
            "pull MiB/s",
            "redirected pull MiB/s",
            "raw get MiB/s",
            "pull ÷ raw get",
            "redirected ÷ raw get",
        ]),
        ...report.results.map(
            (r) =>
                `| ${r.workload} | ${r.client} | ${r.push.toFixed(1)} | ${r.rawPut.toFixed(1)} | ${fixed(r.pushRatio)} | ` +
                `${r.pull.toFixed(1)} | ${r.redirectedPull.toFixed(1)} | ${r.rawGet.toFixed(1)} | ` +
                `${fixed(r.pullRatio)} | ${fixed(r.redirectedPullRatio)} |`,
        ),
        "",
        "Where the CPU goes (crane; CPU seconds per GiB moved, and cores busy on average, of the machine's " +
            `${report.cores}): "redirected pull" is crane pulling from presigned MinIO URLs (minioPublicEndpoint), "raw" is mc.`,
        "",
        tableHead(["workload", "operation", "client CPU-s/GiB", "registry CPU-s/GiB", "MinIO CPU-s/GiB", "total CPU-s/GiB", "busy cores"]),
        ...report.results
            .filter((r) => r.client === "crane")
            .flatMap((r) =>
                operations.map((operation) => {
                    const c = r.cpu[operation];
                    return (
                        `| ${r.workload} | ${operationNames[operation]} | ${fixed(c.client)} | ${fixed(c.registry)} | ` +
                        `${fixed(c.minio)} | ${fixed(c.client + c.registry + c.minio)} | ${c.busyCores.toFixed(1)} |`
                    );
                }),
            ),
    ];
    if (report.memory) {
        const m = report.memory;
        lines.push(
            "",
            `Registry peak RSS with ${m.uploads} concurrent pushes of a ${m.layerMiB} MiB layer (buffers: 2 × chunksize × ${m.uploads} ` +
                `+ 64 MiB = ${m.limitMiB.toFixed(0)} MiB):`,
            "",
            tableHead(["GOMEMLIMIT", "peak RSS MiB", "the pushes took s"]),
            ...m.runs.map((run) => `| ${run.goMemLimit} | ${run.peakRssMiB.toFixed(0)} | ${run.seconds.toFixed(1)} |`),
        );
    }
    return lines.join("\n");
}

/** Replaces what lies between the bench markers in `page` with `table`. */
export function withBenchTable(page: string, table: string): string {
    const start = "<!-- bench:start -->";
    const end = "<!-- bench:end -->";
    const from = page.indexOf(start);
    const to = page.indexOf(end);
    if (from < 0 || to < from) throw new Error(`the page has no ${start} … ${end} section`);
    return `${page.slice(0, from + start.length)}\n${table}\n${page.slice(to)}`;
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const round = (value: number) => value.toFixed(1);
const svgText = (x: number, y: number, size: number, text: string, anchor = "middle") =>
    `<text x="${round(x)}" y="${round(y)}" font-size="${size}" text-anchor="${anchor}">${escape(text)}</text>`;
const svgRect = (x: number, y: number, width: number, height: number, fill: string, title?: string) =>
    `<rect x="${round(x)}" y="${round(y)}" width="${round(width)}" height="${round(height)}" fill="${fill}">` +
    `${title ? `<title>${escape(title)}</title>` : ""}</rect>`;

/** A bar chart of the ratios (push, pull, redirected pull) per workload and client, with the 1.0 line of raw MinIO. */
export function ratioChart(report: BenchReport): string {
    const barWidth = 28;
    const groupGap = 36;
    const height = 220;
    const top = 30;
    const left = 40;
    const bottom = top + height;
    const maxRatio = Math.max(1.1, ...report.results.flatMap((r) => [r.pushRatio, r.pullRatio, r.redirectedPullRatio]));
    const y = (ratio: number) => bottom - (ratio / maxRatio) * height;
    const push = "#3b6ea5";
    const pull = "#e39b2d";
    const redirected = "#5a9e4b";
    const groups = report.results.map((r, i) => {
        const x = left + 20 + i * (3 * barWidth + groupGap);
        const bar = (ratio: number, offset: number, color: string, label: string) =>
            svgRect(x + offset, y(ratio), barWidth - 4, bottom - y(ratio), color, `${label} ${fixed(ratio)}`) +
            svgText(x + offset + (barWidth - 4) / 2, y(ratio) - 4, 10, fixed(ratio));
        return (
            bar(r.pushRatio, 0, push, `${r.workload} ${r.client} push`) +
            bar(r.pullRatio, barWidth, pull, `${r.workload} ${r.client} pull`) +
            bar(r.redirectedPullRatio, 2 * barWidth, redirected, `${r.workload} ${r.client} redirected pull`) +
            svgText(x + 1.5 * barWidth - 2, bottom + 14, 10, r.client) +
            svgText(x + 1.5 * barWidth - 2, bottom + 27, 9, r.workload)
        );
    });
    const width = left + 40 + report.results.length * (3 * barWidth + groupGap);
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${bottom + 60}" font-family="sans-serif">`,
        svgText(left, 18, 13, `Registry throughput ÷ raw MinIO (same run, median of ${report.runs}); ${report.date}`, "start"),
        `<line x1="${left}" x2="${width - 10}" y1="${round(y(1))}" y2="${round(y(1))}" stroke="#888" stroke-dasharray="4 3"/>`,
        svgText(left - 4, y(1) + 3, 10, "1.0", "end"),
        ...groups,
        svgRect(left, bottom + 38, 10, 10, push) + svgText(left + 14, bottom + 47, 10, "push ÷ raw put", "start"),
        svgRect(left + 110, bottom + 38, 10, 10, pull) + svgText(left + 124, bottom + 47, 10, "pull ÷ raw get", "start"),
        svgRect(left + 220, bottom + 38, 10, 10, redirected) + svgText(left + 234, bottom + 47, 10, "redirected pull ÷ raw get", "start"),
        "</svg>",
        "",
    ].join("\n");
}
