"use client";

import { useCallback, useEffect, useMemo, useRef } from "react";
import { api as defaultApi, TERMINAL_STATUSES, type ApiClient, type Job, type JobDetail, type JobEvent } from "@/lib/api";
import type { JobProgressEvent } from "@/lib/socket";
import { useLiveConnection, type LiveOptions } from "./use-live-connection";
import { useQuery } from "./use-query";

interface JobView {
  job: JobDetail;
  events: JobEvent[];
}

/**
 * One job with its event log, kept current. Progress events patch the job in place (and
 * refresh the log when the stage changes); status events reload both, since a finished job
 * brings its clips. Polls while the socket is down and the job is still running.
 */
export function useJobLive(id: string, options: LiveOptions & { api?: ApiClient } = {}) {
  const client = options.api ?? defaultApi;
  const view = useQuery<JobView>(id, async () => {
    const [job, events] = await Promise.all([client.jobs.get(id), client.jobs.events(id)]);
    return { job, events };
  });
  const { setData, reload } = view;
  const stageRef = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    stageRef.current = view.data?.job.stage;
  });

  const onProgress = useCallback(
    (p: JobProgressEvent) => {
      if (p.job_id !== id) return;
      const stageChanged = stageRef.current !== p.stage;
      setData((d) => d && { ...d, job: { ...d.job, status: p.status, stage: p.stage, progress: p.progress } });
      if (stageChanged) void reload();
    },
    [id, setData, reload],
  );

  const onJob = useCallback(
    (job: Job) => {
      if (job.id !== id) return;
      setData((d) => d && { ...d, job: { ...d.job, ...job } });
      void reload();
    },
    [id, setData, reload],
  );

  const handlers = useMemo(
    () => ({ job_progress: onProgress, job_status_changed: onJob, job_completed: onJob, job_failed: onJob }),
    [onProgress, onJob],
  );

  const status = view.data?.job.status;
  const running = status === undefined || !TERMINAL_STATUSES.includes(status);
  const mode = useLiveConnection(handlers, reload, { ...options, pollWhile: running });
  return { job: view.data?.job, events: view.data?.events ?? [], error: view.error, loading: view.loading, reload, mode };
}
