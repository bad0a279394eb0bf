import { ProgressBar } from "@/components/ui/progress-bar";
import type { Job } from "@/lib/api";
import { cn } from "@/lib/cn";
import { titleCase } from "@/lib/format";

export const STAGES = [
  { name: "downloading", from: 0, to: 20 },
  { name: "transcribing", from: 20, to: 60 },
  { name: "analyzing", from: 60, to: 80 },
  { name: "rendering", from: 80, to: 100 },
  { name: "finalizing", from: 100, to: 100 },
] as const;

export type StageState = "done" | "active" | "pending" | "failed";

/** Each stage's state and its own 0–100 progress, from the job's status, stage and overall progress. */
export function stageStates(job: Pick<Job, "status" | "stage" | "progress">): { name: string; state: StageState; pct: number }[] {
  const byStage = STAGES.findIndex((s) => s.name === job.stage);
  const byProgress = STAGES.findIndex((s) => job.progress < s.to) ;
  const current = byStage >= 0 ? byStage : byProgress >= 0 ? byProgress : STAGES.length - 1;
  return STAGES.map((s, i) => {
    if (job.status === "completed") return { name: s.name, state: "done", pct: 100 };
    const band = s.to - s.from;
    const pct = band > 0 ? Math.min(100, Math.max(0, ((job.progress - s.from) / band) * 100)) : 0;
    if (i < current) return { name: s.name, state: "done", pct: 100 };
    if (i > current) return { name: s.name, state: "pending", pct: 0 };
    if (job.status === "failed" || job.status === "cancelled") return { name: s.name, state: "failed", pct };
    if (job.status !== "processing") return { name: s.name, state: "pending", pct: 0 };
    return { name: s.name, state: "active", pct };
  });
}

const marker: Record<StageState, string> = {
  done: "bg-emerald-700 text-white",
  active: "bg-accent-600 text-white",
  pending: "bg-zinc-200 text-zinc-700",
  failed: "bg-red-600 text-white",
};
const markerText: Record<StageState, string> = { done: "✓", active: "…", pending: "", failed: "!" };

export function StageProgress({ job }: { job: Pick<Job, "status" | "stage" | "progress"> }) {
  const stages = stageStates(job);
  return (
    <ol className="grid gap-3 sm:grid-cols-5" aria-label="Pipeline stages">
      {stages.map((s, i) => (
        <li key={s.name} data-testid={`stage-${s.name}`} data-state={s.state} className="space-y-1.5">
          <div className="flex items-center gap-2">
            <span aria-hidden className={cn("flex size-5 items-center justify-center rounded-full text-[11px] font-bold", marker[s.state])}>
              {markerText[s.state] || i + 1}
            </span>
            <span className={cn("text-sm", s.state === "active" ? "font-semibold" : "text-zinc-600")}>{titleCase(s.name)}</span>
            <span className="sr-only">: {s.state}</span>
          </div>
          <ProgressBar
            value={s.pct}
            label={`${titleCase(s.name)} progress`}
            size="sm"
            tone={s.state === "done" ? "success" : s.state === "failed" ? "danger" : s.state === "pending" ? "muted" : "accent"}
          />
        </li>
      ))}
    </ol>
  );
}
