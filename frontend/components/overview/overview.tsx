"use client";

import Link from "next/link";
import { useSession } from "@/components/auth/auth-provider";
import { JobProgress } from "@/components/jobs/job-progress";
import { JobThumb } from "@/components/jobs/job-thumb";
import { buttonClass } from "@/components/ui/button";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { StatusBadge } from "@/components/ui/status-badge";
import { useJobsLive } from "@/hooks/use-jobs-live";
import { useQuery } from "@/hooks/use-query";
import { api, JOB_STATUSES } from "@/lib/api";
import { formatBytes, formatDateTime, jobLabel, titleCase } from "@/lib/format";

function useStatusCounts() {
  return useQuery("counts", async () => {
    const totals = await Promise.all(JOB_STATUSES.map((status) => api.jobs.list({ status, limit: 1 }).then((r) => r.total)));
    return Object.fromEntries(JOB_STATUSES.map((s, i) => [s, totals[i] ?? 0])) as Record<string, number>;
  });
}

export function Overview() {
  const { user, storageBytes } = useSession();
  const counts = useStatusCounts();
  const recent = useJobsLive({ limit: 6 }, { onStatusChange: () => void counts.reload() });

  return (
    <>
      <PageHeader
        title={`Welcome${user.name ? `, ${user.name}` : ""}`}
        description="Your jobs at a glance."
        actions={
          <Link href="/jobs/new" className={buttonClass("primary")}>
            New job
          </Link>
        }
      />
      <section aria-label="Jobs by status" className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-7">
        {JOB_STATUSES.map((s) => (
          <Link
            key={s}
            href={`/jobs?status=${s}`}
            className="rounded-lg border border-zinc-200 bg-white p-3 hover:border-accent-300 focus-visible:outline-2 focus-visible:outline-accent-600"
          >
            <p className="text-xs text-zinc-500">{titleCase(s)}</p>
            <p className="mt-1 text-2xl font-semibold tabular-nums" data-testid={`count-${s}`}>
              {counts.data ? counts.data[s] : counts.error ? "!" : "…"}
            </p>
          </Link>
        ))}
        <div className="col-span-2 rounded-lg border border-zinc-200 bg-white p-3 sm:col-span-1">
          <p className="text-xs text-zinc-500">Storage used</p>
          <p className="mt-1 text-2xl font-semibold tabular-nums">{storageBytes === undefined ? "–" : formatBytes(storageBytes)}</p>
        </div>
      </section>
      {counts.error && <p className="mt-2 text-sm text-red-700">Could not count jobs: {counts.error.message}</p>}

      <Card className="mt-6">
        <CardHeader
          title="Recent jobs"
          actions={
            <Link href="/jobs" className="text-sm font-medium text-accent-700 hover:underline">
              All jobs
            </Link>
          }
        />
        <div className="p-4">
          {recent.error && !recent.data ? (
            <ErrorState error={recent.error} onRetry={recent.reload} />
          ) : !recent.data ? (
            <LoadingState />
          ) : recent.data.items.length === 0 ? (
            <EmptyState
              title="No jobs yet"
              description="Paste a YouTube link or upload a video, and Viral Clipper finds the moments worth sharing."
              action={
                <Link href="/jobs/new" className={buttonClass("primary")}>
                  Create your first job
                </Link>
              }
            />
          ) : (
            <ul className="divide-y divide-zinc-200">
              {recent.data.items.map((job) => (
                <li key={job.id} className="flex items-center gap-3 py-3">
                  <JobThumb src={job.thumbnail_url} className="w-20 shrink-0" />
                  <div className="min-w-0 flex-1">
                    <Link href={`/jobs/${job.id}`} className="block truncate font-medium hover:underline">
                      {jobLabel(job)}
                    </Link>
                    <p className="text-xs text-zinc-500">{formatDateTime(job.created_at)}</p>
                  </div>
                  <div className="hidden w-48 sm:block">
                    <JobProgress job={job} />
                  </div>
                  <StatusBadge status={job.status} />
                </li>
              ))}
            </ul>
          )}
        </div>
      </Card>
    </>
  );
}
