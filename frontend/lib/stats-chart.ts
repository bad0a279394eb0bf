import type { StatsPoint } from "@/lib/api";

export type StatsSeries = "views" | "likes" | "comments";
export const SERIES_LABELS: Record<StatsSeries, string> = { views: "Views", likes: "Likes", comments: "Comments" };

export interface ChartGeometry {
  /** SVG polyline points, "x,y x,y …", in a width × height box (y grows downwards). */
  line: string;
  /** The same line closed along the bottom edge, for the filled area under it. */
  area: string;
  max: number;
  /** Where the newest reading sits. */
  lastX: number;
  lastY: number;
}

/** The oldest and newest reading, or null when there are none. */
function ends(items: StatsPoint[]): [StatsPoint, StatsPoint] | null {
  const first = items[0];
  const last = items[items.length - 1];
  return first && last ? [first, last] : null;
}

/**
 * Places the readings of one series in a width × height box: x by the time of the reading (not
 * its index, so irregular refreshes keep their real spacing), y from 0 to the series' maximum.
 * Null when there is nothing to draw.
 */
export function chartGeometry(items: StatsPoint[], series: StatsSeries, width: number, height: number): ChartGeometry | null {
  const range = ends(items);
  if (!range) return null;
  const start = Date.parse(range[0].recorded_at);
  const span = Date.parse(range[1].recorded_at) - start;
  const max = Math.max(...items.map((p) => p[series]));
  const xs = items.map((p) =>
    // One reading (or all at the same instant) sits in the middle rather than on the edge.
    round(span > 0 ? ((Date.parse(p.recorded_at) - start) / span) * width : width / 2),
  );
  const ys = items.map((p) => round(max > 0 ? height - (p[series] / max) * height : height));
  const line = xs.map((x, i) => `${x},${ys[i]}`).join(" ");
  const lastX = xs[xs.length - 1] ?? 0;
  const lastY = ys[ys.length - 1] ?? height;
  return { line, area: `${xs[0]},${height} ${line} ${lastX},${height}`, max, lastX, lastY };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** "1,234 → 5,678 views since 3 Jan" style summary for screen readers and the caption. */
export function chartSummary(items: StatsPoint[], series: StatsSeries, formatTime: (iso: string) => string): string {
  const range = ends(items);
  if (!range) return "No readings yet.";
  const [first, last] = range;
  const numbers = new Intl.NumberFormat();
  const name = SERIES_LABELS[series].toLowerCase();
  if (items.length === 1) return `${numbers.format(last[series])} ${name} at ${formatTime(last.recorded_at)} (one reading).`;
  return `${numbers.format(first[series])} → ${numbers.format(last[series])} ${name} from ${formatTime(first.recorded_at)} to ${formatTime(last.recorded_at)}, ${items.length} readings.`;
}
