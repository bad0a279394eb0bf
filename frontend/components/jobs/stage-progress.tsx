import { ProgressBar } from "@/components/ui/progress-bar";
import type { Job, JobStage } from "@/lib/api";
import { cn } from "@/lib/cn";
import { titleCase } from "@/lib/format";

export type StageState = "done" | "active" | "pending" | "failed";
export type StageJob = Pick<Job, "status" | "stage" | "progress" | "stages">;
export interface StageView {
  name: JobStage;
  label: string;
  state: StageState;
  pct: number;
}

/** The label of a stage as the job's own plan names it (a bare stage name otherwise). */
export function stageLabel(job: Pick<Job, "stages">, stage: JobStage): string {
  return job.stages?.find((s) => s.name === stage)?.label ?? titleCase(stage);
}

/**
 * Each stage of the job's own plan (`job.stages`: names, labels and progress bands from the
 * API) with its state and its own 0–100 progress, from the job's status, stage and progress.
 */
export function stageStates(job: StageJob): StageView[] {
  const plan = job.stages ?? [];
  const byStage = plan.findIndex((s) => s.name === job.stage);
  const byProgress = plan.findIndex((s) => job.progress < s.end);
  const current = byStage >= 0 ? byStage : byProgress >= 0 ? byProgress : plan.length - 1;
  return plan.map((s, i) => {
    const view = (state: StageState, pct: number): StageView => ({ name: s.name, label: s.label, state, pct });
    if (job.status === "completed") return view("done", 100);
    const band = s.end - s.start;
    const pct = band > 0 ? Math.min(100, Math.max(0, ((job.progress - s.start) / band) * 100)) : 0;
    if (i < current) return view("done", 100);
    if (i > current) return view("pending", 0);
    if (job.status === "failed" || job.status === "cancelled") return view("failed", pct);
    if (job.status !== "processing") return view("pending", 0);
    return view("active", pct);
  });
}

const marker: Record<StageState, string> = {
  done: "bg-emerald-700 text-white",
  active: "bg-accent-600 text-white",
  pending: "bg-zinc-200 text-zinc-700",
  failed: "bg-red-600 text-white",
};
const markerText: Record<StageState, string> = { done: "✓", active: "…", pending: "", failed: "!" };

export function StageProgress({ job }: { job: StageJob }) {
  const stages = stageStates(job);
  return (
    <ol className="grid gap-3 sm:grid-cols-5" aria-label="Pipeline stages">
      {stages.map((s, i) => (
        <li key={s.name} data-testid={`stage-${s.name}`} data-state={s.state} className="space-y-1.5">
          <div className="flex items-center gap-2">
            <span aria-hidden className={cn("flex size-5 items-center justify-center rounded-full text-[11px] font-bold", marker[s.state])}>
              {markerText[s.state] || i + 1}
            </span>
            <span className={cn("text-sm", s.state === "active" ? "font-semibold" : "text-zinc-600")}>{s.label}</span>
            <span className="sr-only">: {s.state}</span>
          </div>
          <ProgressBar
            value={s.pct}
            label={`${s.label} progress`}
            size="sm"
            tone={s.state === "done" ? "success" : s.state === "failed" ? "danger" : s.state === "pending" ? "muted" : "accent"}
          />
        </li>
      ))}
    </ol>
  );
}
