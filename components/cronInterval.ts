import { CronExpressionParser } from "cron-parser";

/** The longest wait between two runs of a cron schedule (UTC), in seconds: what "a run is overdue" measures against. */
export function longestCronInterval(schedule: string): number {
    const runs = CronExpressionParser.parse(schedule, { currentDate: new Date("2026-01-01T00:00:00Z"), tz: "UTC" });
    let previous = runs.next().toDate().getTime();
    const yearLater = previous + 366 * 24 * 60 * 60 * 1000;
    let longest = 0;
    while (previous < yearLater) {
        const next = runs.next().toDate().getTime();
        longest = Math.max(longest, next - previous);
        previous = next;
    }
    return longest / 1000;
}
