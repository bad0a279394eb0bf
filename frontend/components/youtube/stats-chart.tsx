"use client";

import { useEffect, useState } from "react";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { cn } from "@/lib/cn";
import type { ApiClient, StatsHistory } from "@/lib/api";
import { formatDateTime } from "@/lib/format";
import { chartGeometry, chartSummary, SERIES_LABELS, type StatsSeries } from "@/lib/stats-chart";

const WIDTH = 320;
const HEIGHT = 80;
const SERIES: StatsSeries[] = ["views", "likes", "comments"];

/** A small chart of one publication's statistics over time; reloads when `version` changes. */
export function StatsChart({ api, publicationId, version }: { api: ApiClient; publicationId: string; version: string }) {
  const [history, setHistory] = useState<StatsHistory | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [series, setSeries] = useState<StatsSeries>("views");
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    api.publications.statsHistory(publicationId).then(
      (data) => live && (setHistory(data), setError(null)),
      (err: unknown) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [api, publicationId, version, attempt]);

  if (error && !history) return <ErrorState error={error} onRetry={() => setAttempt((n) => n + 1)} />;
  if (!history) return <LoadingState />;
  const geometry = chartGeometry(history.items, series, WIDTH, HEIGHT);
  const summary = chartSummary(history.items, series, formatDateTime);
  return (
    <figure className="space-y-2" data-testid="stats-chart">
      <div role="group" aria-label="Statistic" className="flex gap-1">
        {SERIES.map((name) => (
          <button
            key={name}
            type="button"
            aria-pressed={series === name}
            onClick={() => setSeries(name)}
            className={cn(
              "rounded px-2 py-0.5 text-xs",
              series === name ? "bg-accent-600 text-white" : "text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800",
            )}
          >
            {SERIES_LABELS[name]}
          </button>
        ))}
      </div>
      {geometry ? (
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="h-20 w-full max-w-sm overflow-visible" role="img" aria-label={summary}>
          <polygon points={geometry.area} className="fill-accent-600/10" />
          <polyline points={geometry.line} className="fill-none stroke-accent-600" strokeWidth={2} vectorEffect="non-scaling-stroke" data-testid="stats-line" />
          {/* The newest reading, so a single one is visible too. */}
          <circle cx={geometry.lastX} cy={geometry.lastY} r={3} className="fill-accent-600" />
        </svg>
      ) : null}
      <figcaption className="text-xs text-zinc-500">{summary}</figcaption>
    </figure>
  );
}
