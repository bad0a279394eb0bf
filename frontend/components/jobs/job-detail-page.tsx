"use client";

import { notFound, useParams, useRouter } from "next/navigation";
import { useState } from "react";
import { ClipCard } from "@/components/clips/clip-card";
import { JobActions } from "@/components/jobs/job-actions";
import { JobThumb } from "@/components/jobs/job-thumb";
import { StageProgress } from "@/components/jobs/stage-progress";
import { Timeline } from "@/components/jobs/timeline";
import { TranscriptView } from "@/components/jobs/transcript-view";
import { EventLog } from "@/components/jobs/event-log";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { StatusBadge } from "@/components/ui/status-badge";
import { useJobLive } from "@/hooks/use-job-live";
import { useQuery } from "@/hooks/use-query";
import { api, ApiError, type Clip, type JobDetail as JobDetailType } from "@/lib/api";
import { formatDateTime, formatDuration, jobLabel, titleCase } from "@/lib/format";

const AFTER_TRANSCRIPTION = ["analyzing", "rendering", "finalizing"];

function transcriptReady(job: JobDetailType): boolean {
  return job.status === "completed" || AFTER_TRANSCRIPTION.includes(job.stage ?? "");
}

function sortedClips(job: JobDetailType): Clip[] {
  return [...(job.clips ?? [])].sort((a, b) => a.start_time - b.start_time);
}

export function JobDetailPage() {
  const { id } = useParams<{ id: string }>();
  const router = useRouter();
  const live = useJobLive(id);
  const [playingId, setPlayingId] = useState<string | null>(null);
  const [edited, setEdited] = useState<Record<string, Clip>>({});
  const job = live.job;
  const transcript = useQuery(job && transcriptReady(job) ? `transcript-${id}-${job.status}` : null, () => api.jobs.transcript(id));

  if (live.error && !job) {
    // Rendered by this route's not-found.tsx.
    if (live.error instanceof ApiError && live.error.status === 404) notFound();
    return <ErrorState error={live.error} onRetry={live.reload} />;
  }
  if (!job) return <LoadingState label="Loading job…" />;

  const clips = sortedClips(job).map((c) => edited[c.id] ?? c);
  const play = (clipId: string) => {
    setPlayingId(clipId);
    document.getElementById(`clip-${clipId}`)?.scrollIntoView({ behavior: "smooth", block: "center" });
  };

  return (
    <div className="space-y-6">
      <div className="flex flex-col gap-4 sm:flex-row sm:items-start">
        <JobThumb src={job.thumbnail_url} alt="" className="w-full shrink-0 sm:w-56" />
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <StatusBadge status={job.status} />
            {live.mode === "live" ? (
              <span className="text-xs text-emerald-700">● Live</span>
            ) : live.mode === "polling" ? (
              <span className="text-xs text-amber-700">Refreshing every few seconds</span>
            ) : null}
          </div>
          <h1 className="mt-2 break-words text-2xl font-semibold tracking-tight" data-testid="job-title">
            {jobLabel(job)}
          </h1>
          <p className="mt-1 text-sm text-zinc-500">
            {titleCase(job.source_type)} · {formatDuration(job.video_duration)} · created {formatDateTime(job.created_at)}
          </p>
          {job.source_url && (
            <p className="truncate text-sm">
              <a href={job.source_url} target="_blank" rel="noreferrer" className="text-accent-700 hover:underline">
                {job.source_url}
              </a>
            </p>
          )}
          <div className="mt-3">
            <JobActions job={job} size="md" onChanged={(j) => (j ? void live.reload() : router.push("/jobs"))} />
          </div>
        </div>
      </div>

      <Card>
        <CardHeader title="Progress" description={job.status === "processing" ? `${Math.round(job.progress)}% overall` : undefined} />
        <div className="space-y-3 p-4">
          <StageProgress job={job} />
          {job.error_message && (
            <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800">
              {job.error_message}
            </p>
          )}
        </div>
      </Card>

      <Card>
        <CardHeader title="Timeline" description={clips.length ? `${clips.length} clips in the source` : undefined} />
        <div className="p-4">
          {clips.length === 0 ? (
            <p className="text-sm text-zinc-500">
              {job.status === "completed" ? "No moment met the criteria. Try a lower minimum score or other criteria." : "Clips appear here as soon as they are rendered."}
            </p>
          ) : (
            <Timeline duration={job.video_duration} clips={clips} selectedId={playingId} onSelect={(c) => play(c.id)} />
          )}
        </div>
      </Card>

      <section aria-labelledby="clips-heading">
        <h2 id="clips-heading" className="mb-3 text-lg font-semibold">
          Clips
        </h2>
        {clips.length === 0 ? (
          <EmptyState
            title={job.status === "completed" ? "No clips" : "No clips yet"}
            description={job.status === "completed" ? undefined : "They appear when processing completes; this page updates by itself."}
          />
        ) : (
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {clips.map((clip, i) => (
              <ClipCard
                key={clip.id}
                clip={clip}
                index={i + 1}
                playing={playingId === clip.id}
                selected={playingId === clip.id}
                onPlay={() => setPlayingId(clip.id)}
                onChanged={(c) => setEdited((e) => ({ ...e, [c.id]: c }))}
              />
            ))}
          </div>
        )}
      </section>

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader title="Transcript" description={transcript.data ? `${titleCase(transcript.data.source)} · ${transcript.data.language}` : undefined} />
          <div className="p-4">
            {!transcriptReady(job) ? (
              <p className="text-sm text-zinc-500">Available once transcription has finished.</p>
            ) : transcript.error ? (
              <ErrorState error={transcript.error} onRetry={transcript.reload} />
            ) : !transcript.data ? (
              <LoadingState />
            ) : (
              <TranscriptView segments={transcript.data.segments} clips={clips} onSelectClip={(c) => play(c.id)} />
            )}
          </div>
        </Card>
        <Card>
          <CardHeader title="Event log" />
          <div className="p-4">
            <EventLog events={live.events} />
          </div>
        </Card>
      </div>
    </div>
  );
}
