"use client";

import { useEffect } from "react";
import { toast } from "@/components/ui/toast";
import type { Job } from "@/lib/api";
import { jobLabel } from "@/lib/format";
import { getLiveSocket } from "@/lib/socket";

/** One place that turns finished jobs into toasts, whichever page is open. */
export function LiveToasts() {
  useEffect(() => {
    const socket = getLiveSocket();
    const completed = (job: Job & { clips?: unknown[] }) => {
      const count = job.clips?.length ?? job.clip_count;
      toast({
        tone: "success",
        title: `Job completed · ${count} clip${count === 1 ? "" : "s"}`,
        description: jobLabel(job),
        href: `/jobs/${job.id}`,
      });
    };
    const failed = (job: Job) =>
      toast({ tone: "error", title: "Job failed", description: job.error_message ?? jobLabel(job), href: `/jobs/${job.id}` });
    socket.on("job_completed", completed);
    socket.on("job_failed", failed);
    return () => {
      socket.off("job_completed", completed);
      socket.off("job_failed", failed);
    };
  }, []);
  return null;
}
