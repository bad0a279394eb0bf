"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { toast } from "@/components/ui/toast";
import { api, errorMessage, TERMINAL_STATUSES, type Job } from "@/lib/api";
import { jobLabel } from "@/lib/format";

type Action = "cancel" | "retry" | "delete";

const COPY: Record<Action, { title: string; body: string; confirm: string; danger: boolean }> = {
  cancel: { title: "Cancel this job?", body: "Processing stops now. You can retry it later.", confirm: "Cancel job", danger: true },
  retry: { title: "Retry this job?", body: "It goes back into the queue and reuses finished stages.", confirm: "Retry", danger: false },
  delete: {
    title: "Delete this job?",
    body: "Its clips and files are deleted too. This cannot be undone.",
    confirm: "Delete",
    danger: true,
  },
};

export interface JobActionsProps {
  job: Pick<Job, "id" | "status" | "video_title" | "source_url">;
  onChanged?: (job: Job | null) => void;
  size?: "sm" | "md";
}

/** Cancel / retry / delete, each behind a confirmation. */
export function JobActions({ job, onChanged, size = "sm" }: JobActionsProps) {
  const [pending, setPending] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const finished = TERMINAL_STATUSES.includes(job.status);
  const canRetry = job.status === "failed" || job.status === "cancelled";

  async function run(action: Action) {
    setBusy(true);
    try {
      if (action === "cancel") onChanged?.(await api.jobs.cancel(job.id));
      if (action === "retry") onChanged?.(await api.jobs.retry(job.id));
      if (action === "delete") {
        await api.jobs.remove(job.id);
        onChanged?.(null);
      }
      toast({ tone: "success", title: `${COPY[action].confirm} · done`, description: jobLabel({ ...job }) });
    } catch (err) {
      toast({ tone: "error", title: `Could not ${action} the job`, description: errorMessage(err) });
    } finally {
      setBusy(false);
      setPending(null);
    }
  }

  const copy = pending ? COPY[pending] : null;
  const label = jobLabel({ ...job });
  return (
    <div className="flex flex-wrap gap-1.5">
      {!finished && (
        <Button variant="secondary" size={size} onClick={() => setPending("cancel")} aria-label={`Cancel ${label}`}>
          Cancel
        </Button>
      )}
      {canRetry && (
        <Button variant="secondary" size={size} onClick={() => setPending("retry")} aria-label={`Retry ${label}`}>
          Retry
        </Button>
      )}
      <Button variant="ghost" size={size} onClick={() => setPending("delete")} aria-label={`Delete ${label}`} className="text-red-700">
        Delete
      </Button>
      <ConfirmDialog
        open={pending !== null}
        title={copy?.title ?? ""}
        description={copy ? <p>{copy.body}</p> : null}
        confirmLabel={copy?.confirm}
        danger={copy?.danger}
        busy={busy}
        onCancel={() => setPending(null)}
        onConfirm={() => pending && void run(pending)}
      />
    </div>
  );
}
