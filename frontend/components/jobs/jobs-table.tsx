"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { JobActions } from "@/components/jobs/job-actions";
import { JobProgress } from "@/components/jobs/job-progress";
import { JobThumb } from "@/components/jobs/job-thumb";
import { buttonClass } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { Select } from "@/components/ui/input";
import { Pagination } from "@/components/ui/pagination";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { StatusBadge } from "@/components/ui/status-badge";
import { useJobsLive } from "@/hooks/use-jobs-live";
import { JOB_STATUSES } from "@/lib/api";
import { formatDateTime, formatDuration, jobLabel, titleCase } from "@/lib/format";
import { pageFromParams, withParams } from "@/lib/url-state";

const PAGE_SIZE = 20;

export function JobsTable() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const status = params.get("status") ?? "";
  const page = pageFromParams(params);
  const offset = (page - 1) * PAGE_SIZE;
  const jobs = useJobsLive({ status: status || undefined, limit: PAGE_SIZE, offset });

  const setStatus = (value: string) => router.replace(`${pathname}${withParams(params, { status: value, page: null })}`);
  const hrefFor = (nextOffset: number) => `${pathname}${withParams(params, { page: nextOffset / PAGE_SIZE + 1 })}`;

  return (
    <>
      <PageHeader
        title="Jobs"
        description={jobs.mode === "polling" ? "Live updates unavailable; refreshing every few seconds." : undefined}
        actions={
          <Link href="/jobs/new" className={buttonClass("primary")}>
            New job
          </Link>
        }
      />
      <div className="mb-4 flex items-center gap-2">
        <label htmlFor="status-filter" className="text-sm font-medium">
          Status
        </label>
        <Select id="status-filter" value={status} onChange={(e) => setStatus(e.target.value)} className="w-44">
          <option value="">All</option>
          {JOB_STATUSES.map((s) => (
            <option key={s} value={s}>
              {titleCase(s)}
            </option>
          ))}
        </Select>
      </div>
      <Card>
        {jobs.error && !jobs.data ? (
          <div className="p-4">
            <ErrorState error={jobs.error} onRetry={jobs.reload} />
          </div>
        ) : !jobs.data ? (
          <LoadingState />
        ) : jobs.data.items.length === 0 ? (
          <div className="p-4">
            <EmptyState
              title={status ? `No ${status} jobs` : "No jobs yet"}
              description={status ? "Try another status filter." : "Create a job from a YouTube link or a video file."}
              action={
                status ? (
                  <button type="button" className={buttonClass("secondary")} onClick={() => setStatus("")}>
                    Show all jobs
                  </button>
                ) : (
                  <Link href="/jobs/new" className={buttonClass("primary")}>
                    New job
                  </Link>
                )
              }
            />
          </div>
        ) : (
          // `relative` keeps the sr-only texts (absolutely placed) inside the scroller, where they
          // cannot widen the page; the region is focusable so keyboards can scroll it.
          <div className="relative overflow-x-auto focus-visible:outline-2 focus-visible:outline-accent-600" role="region" aria-label="Jobs table" tabIndex={0}>
            <table className="w-full min-w-[44rem] text-sm">
              <caption className="sr-only">Your jobs, newest first</caption>
              <thead className="border-b border-zinc-200 text-left text-xs uppercase tracking-wide text-zinc-500">
                <tr>
                  <th scope="col" className="px-4 py-2 font-medium">Source</th>
                  <th scope="col" className="px-4 py-2 font-medium">Status</th>
                  <th scope="col" className="px-4 py-2 font-medium">Progress</th>
                  <th scope="col" className="px-4 py-2 font-medium">Clips</th>
                  <th scope="col" className="px-4 py-2 font-medium">Created</th>
                  <th scope="col" className="px-4 py-2 font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-200">
                {jobs.data.items.map((job) => (
                  <tr key={job.id} data-testid="job-row" data-job-id={job.id}>
                    <td className="px-4 py-3">
                      <div className="flex items-center gap-3">
                        <JobThumb src={job.thumbnail_url} className="w-16 shrink-0" />
                        <div className="min-w-0">
                          <Link href={`/jobs/${job.id}`} className="block max-w-64 truncate font-medium hover:underline">
                            {jobLabel(job)}
                          </Link>
                          <p className="text-xs text-zinc-500">
                            {titleCase(job.source_type)} · {formatDuration(job.video_duration)}
                          </p>
                        </div>
                      </div>
                    </td>
                    <td className="px-4 py-3">
                      <StatusBadge status={job.status} />
                    </td>
                    <td className="w-56 px-4 py-3">
                      <JobProgress job={job} />
                    </td>
                    <td className="px-4 py-3 tabular-nums">{job.clip_count}</td>
                    <td className="whitespace-nowrap px-4 py-3 text-zinc-500">{formatDateTime(job.created_at)}</td>
                    <td className="px-4 py-3">
                      <JobActions job={job} onChanged={() => void jobs.reload()} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {jobs.data && <Pagination total={jobs.data.total} limit={PAGE_SIZE} offset={offset} hrefFor={hrefFor} />}
    </>
  );
}
