"use client";

import { useCallback, useEffect, useMemo, useRef } from "react";
import { api as defaultApi, type ApiClient, type Job, type JobList } from "@/lib/api";
import type { JobProgressEvent } from "@/lib/socket";
import { useLiveConnection, type LiveOptions } from "./use-live-connection";
import { useQuery } from "./use-query";

export interface JobsQuery {
  status?: string;
  limit?: number;
  offset?: number;
}

export function mergeJob(list: JobList, job: Job): JobList {
  return { ...list, items: list.items.map((j) => (j.id === job.id ? { ...j, ...job } : j)) };
}

export function applyProgress(list: JobList, p: JobProgressEvent): JobList {
  return {
    ...list,
    items: list.items.map((j) =>
      j.id === p.job_id ? { ...j, status: p.status, stage: p.stage, progress: Math.max(p.progress, 0) } : j,
    ),
  };
}

/**
 * A page of jobs kept current: progress and status events patch rows in place; a job that is
 * not on the page yet (e.g. created in another tab) triggers a REST reload of the first page.
 */
export function useJobsLive(
  query: JobsQuery,
  options: LiveOptions & { api?: ApiClient; onStatusChange?: (job: Job) => void } = {},
) {
  const client = options.api ?? defaultApi;
  const { status, limit = 20, offset = 0 } = query;
  const key = JSON.stringify({ status, limit, offset });
  const jobs = useQuery<JobList>(key, () => client.jobs.list({ status, limit, offset }));
  const { setData, reload } = jobs;
  const dataRef = useRef(jobs.data);
  const onStatusChangeRef = useRef(options.onStatusChange);
  useEffect(() => {
    dataRef.current = jobs.data;
    onStatusChangeRef.current = options.onStatusChange;
  });

  const onJob = useCallback(
    (job: Job) => {
      onStatusChangeRef.current?.(job);
      const known = dataRef.current?.items.some((j) => j.id === job.id);
      if (known) setData((d) => d && mergeJob(d, job));
      else if (offset === 0 && (!status || status === job.status)) void reload();
    },
    [setData, reload, offset, status],
  );

  const handlers = useMemo(
    () => ({
      job_progress: (p: JobProgressEvent) => setData((d) => d && applyProgress(d, p)),
      job_status_changed: onJob,
      job_completed: onJob,
      job_failed: onJob,
    }),
    [setData, onJob],
  );

  const mode = useLiveConnection(handlers, reload, options);
  return { ...jobs, mode };
}
