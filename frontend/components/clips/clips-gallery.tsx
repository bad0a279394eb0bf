"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { useState } from "react";
import { ClipCard } from "@/components/clips/clip-card";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/card";
import { Pagination } from "@/components/ui/pagination";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useQuery } from "@/hooks/use-query";
import { api } from "@/lib/api";
import { pageFromParams, withParams } from "@/lib/url-state";

const PAGE_SIZE = 12;

export function ClipsGallery() {
  const pathname = usePathname();
  const params = useSearchParams();
  const jobId = params.get("job_id") ?? undefined;
  const offset = (pageFromParams(params) - 1) * PAGE_SIZE;
  const clips = useQuery(`clips-${jobId}-${offset}`, () => api.clips.list({ job_id: jobId, limit: PAGE_SIZE, offset }));
  const [playingId, setPlayingId] = useState<string | null>(null);

  return (
    <>
      <PageHeader
        title="Clips"
        description={jobId ? "Clips of one job." : "Every clip from every job, best first within each job."}
        actions={
          jobId && (
            <Link href={pathname} className={buttonClass("secondary", "sm")}>
              Show all clips
            </Link>
          )
        }
      />
      {clips.error && !clips.data ? (
        <ErrorState error={clips.error} onRetry={clips.reload} />
      ) : !clips.data ? (
        <LoadingState />
      ) : clips.data.items.length === 0 ? (
        <EmptyState
          title="No clips yet"
          description="Clips appear here when a job completes. Start one from a YouTube link or a video file."
          action={
            <Link href="/jobs/new" className={buttonClass("primary")}>
              New job
            </Link>
          }
        />
      ) : (
        <>
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {clips.data.items.map((clip) => (
              <ClipCard
                key={clip.id}
                clip={clip}
                playing={playingId === clip.id}
                onPlay={() => setPlayingId(clip.id)}
                onChanged={(saved) =>
                  clips.setData((d) => d && { ...d, items: d.items.map((c) => (c.id === saved.id ? saved : c)) })
                }
                showJobLink
              />
            ))}
          </div>
          <Pagination
            total={clips.data.total}
            limit={PAGE_SIZE}
            offset={offset}
            hrefFor={(o) => `${pathname}${withParams(params, { page: o / PAGE_SIZE + 1 })}`}
          />
        </>
      )}
    </>
  );
}
