import { ProgressBar } from "@/components/ui/progress-bar";
import type { Job } from "@/lib/api";
import { stageLabel } from "./stage-progress";

/** The live progress of a job, in words and as a bar. */
export function JobProgress({ job, size = "sm" }: { job: Pick<Job, "status" | "stage" | "progress" | "error_message" | "stages">; size?: "sm" | "md" }) {
  if (job.status === "completed") return <ProgressBar value={100} label="Progress" tone="success" size={size} showValue />;
  if (job.status === "failed")
    return (
      <p className="line-clamp-2 text-xs text-red-700" title={job.error_message ?? undefined}>
        {job.error_message || "Failed"}
      </p>
    );
  if (job.status === "cancelled") return <p className="text-xs text-zinc-500">Cancelled</p>;
  const what = job.stage ? stageLabel(job, job.stage) : job.status === "processing" ? "Starting" : "Waiting in queue";
  return (
    <div className="min-w-32 space-y-1">
      <p className="text-xs text-zinc-600" data-testid="job-stage">
        {what}
      </p>
      <ProgressBar value={job.progress} label={`${what} progress`} size={size} showValue />
    </div>
  );
}
