import { Measurement } from "./measure";

export interface BenchReport {
    date: string;
    machine: string;
    versions: Record<string, string>;
    /** The S3 driver settings measured. */
    settings: Record<string, number | string>;
    runs: number;
    results: Measurement[];
    /** Registry peak RSS under concurrent pushes, with the limit it is held to. */
    memory?: { uploads: number; layerMiB: number; peakRssMiB: number; limitMiB: number };
}

const fixed = (value: number) => value.toFixed(2);

/** The README's table: MiB/s and ratios to raw MinIO, per workload and client. */
export function markdownTable(report: BenchReport): string {
    const lines = [
        `Measured ${report.date} on ${report.machine}; ${Object.entries(report.versions)
            .map(([name, version]) => `${name} ${version}`)
            .join(", ")}; median of ${report.runs} runs; S3 settings ${Object.entries(report.settings)
            .map(([key, value]) => `${key} ${value}`)
            .join(", ")}.`,
        "",
        "| workload | client | push MiB/s | raw put MiB/s | push ÷ raw put | pull MiB/s | raw get MiB/s | pull ÷ raw get |",
        "|---|---|---|---|---|---|---|---|",
        ...report.results.map(
            (r) =>
                `| ${r.workload} | ${r.client} | ${r.push.toFixed(1)} | ${r.rawPut.toFixed(1)} | ${fixed(r.pushRatio)} | ` +
                `${r.pull.toFixed(1)} | ${r.rawGet.toFixed(1)} | ${fixed(r.pullRatio)} |`,
        ),
    ];
    if (report.memory) {
        const m = report.memory;
        lines.push(
            "",
            `Registry peak RSS with ${m.uploads} concurrent pushes of a ${m.layerMiB} MiB layer: ${m.peakRssMiB.toFixed(0)} MiB ` +
                `(limit 2 × chunksize × ${m.uploads} + 64 MiB = ${m.limitMiB.toFixed(0)} MiB).`,
        );
    }
    return lines.join("\n");
}

/** Replaces what lies between the bench markers in `readme` with `table`. */
export function withBenchTable(readme: string, table: string): string {
    const start = "<!-- bench:start -->";
    const end = "<!-- bench:end -->";
    const from = readme.indexOf(start);
    const to = readme.indexOf(end);
    if (from < 0 || to < from) throw new Error(`the README has no ${start} … ${end} section`);
    return `${readme.slice(0, from + start.length)}\n${table}\n${readme.slice(to)}`;
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A bar chart of the ratios (push and pull) per workload and client, with the 1.0 line of raw MinIO. */
export function ratioChart(report: BenchReport): string {
    const barWidth = 28;
    const groupGap = 36;
    const height = 220;
    const top = 30;
    const left = 40;
    const maxRatio = Math.max(1.1, ...report.results.flatMap((r) => [r.pushRatio, r.pullRatio]));
    const y = (ratio: number) => top + height - (ratio / maxRatio) * height;
    const groups = report.results.map((r, i) => {
        const x = left + 20 + i * (2 * barWidth + groupGap);
        const bar = (ratio: number, offset: number, color: string, label: string) =>
            `<rect x="${x + offset}" y="${y(ratio).toFixed(1)}" width="${barWidth - 4}" height="${(top + height - y(ratio)).toFixed(1)}" fill="${color}"><title>${escape(label)} ${fixed(ratio)}</title></rect>` +
            `<text x="${x + offset + (barWidth - 4) / 2}" y="${(y(ratio) - 4).toFixed(1)}" font-size="10" text-anchor="middle">${fixed(ratio)}</text>`;
        return (
            bar(r.pushRatio, 0, "#3b6ea5", `${r.workload} ${r.client} push`) +
            bar(r.pullRatio, barWidth, "#e39b2d", `${r.workload} ${r.client} pull`) +
            `<text x="${x + barWidth - 2}" y="${top + height + 14}" font-size="10" text-anchor="middle">${escape(r.client)}</text>` +
            `<text x="${x + barWidth - 2}" y="${top + height + 27}" font-size="9" text-anchor="middle">${escape(r.workload)}</text>`
        );
    });
    const width = left + 40 + report.results.length * (2 * barWidth + groupGap);
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + height + 60}" font-family="sans-serif">`,
        `<text x="${left}" y="18" font-size="13">Registry throughput ÷ raw MinIO (same run, median of ${report.runs}); ${escape(report.date)}</text>`,
        `<line x1="${left}" x2="${width - 10}" y1="${y(1).toFixed(1)}" y2="${y(1).toFixed(1)}" stroke="#888" stroke-dasharray="4 3"/>`,
        `<text x="${left - 4}" y="${(y(1) + 3).toFixed(1)}" font-size="10" text-anchor="end">1.0</text>`,
        ...groups,
        `<rect x="${left}" y="${top + height + 38}" width="10" height="10" fill="#3b6ea5"/><text x="${left + 14}" y="${top + height + 47}" font-size="10">push ÷ raw put</text>`,
        `<rect x="${left + 110}" y="${top + height + 38}" width="10" height="10" fill="#e39b2d"/><text x="${left + 124}" y="${top + height + 47}" font-size="10">pull ÷ raw get</text>`,
        "</svg>",
        "",
    ].join("\n");
}
