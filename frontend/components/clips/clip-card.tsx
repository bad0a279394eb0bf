"use client";

/* eslint-disable @next/next/no-img-element -- media is served by the API through the proxy */
import Link from "next/link";
import { useState } from "react";
import { Button, buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { toast } from "@/components/ui/toast";
import { isRendering, mediaUrls, type Clip } from "@/lib/api";
import { cn } from "@/lib/cn";
import { formatBytes, formatDuration, formatScore } from "@/lib/format";
import { clipAspect, formatLufs, versionedVideoUrl } from "@/lib/shorts";
import { useClipLive } from "@/hooks/use-clip-live";
import { ClipEditor } from "./clip-editor";
import { ClipPlayer, playerBox } from "./clip-player";
import { RenderPanel } from "./render-panel";
import { PublishDialog } from "@/components/youtube/publish-dialog";
import { ShotTimeline } from "./shot-timeline";

export interface ClipCardProps {
  clip: Clip;
  index?: number;
  playing: boolean;
  onPlay: () => void;
  onChanged: (clip: Clip) => void;
  showJobLink?: boolean;
  selected?: boolean;
}

function ScoreBadge({ score }: { score: number }) {
  const tone = score >= 0.75 ? "bg-emerald-700" : score >= 0.5 ? "bg-accent-600" : "bg-zinc-500";
  return (
    <span className={cn("rounded px-1.5 py-0.5 text-xs font-semibold tabular-nums text-white", tone)} title="Score out of 100">
      <span className="sr-only">Score </span>
      {formatScore(score)}
    </span>
  );
}

function RenderBadge({ clip }: { clip: Clip }) {
  if (isRendering(clip))
    return (
      <span role="status" data-testid="clip-render-status" data-state="rendering" className="rounded bg-accent-600 px-1.5 py-0.5 text-xs font-medium text-white">
        {clip.render_status === "queued" ? "Queued…" : "Rendering…"}
      </span>
    );
  if (clip.render_status === "failed")
    return (
      <span data-testid="clip-render-status" data-state="failed" className="rounded bg-red-700 px-1.5 py-0.5 text-xs font-medium text-white" title={clip.render_error ?? undefined}>
        Render failed
      </span>
    );
  return null;
}

export function ClipCard({ clip, index, playing, onPlay, onChanged, showJobLink, selected }: ClipCardProps) {
  const [editing, setEditing] = useState(false);
  const [publishing, setPublishing] = useState(false);
  const label = index !== undefined ? `Clip ${index}: ${clip.title}` : clip.title;
  useClipLive(clip, onChanged);

  return (
    <Card
      id={`clip-${clip.id}`}
      data-testid="clip-card"
      data-render-status={clip.render_status}
      className={cn("flex flex-col overflow-hidden", selected && "ring-2 ring-accent-600", editing && "sm:col-span-2 lg:col-span-3 lg:flex-row")}
    >
      <div className={cn("relative bg-zinc-900", editing && "lg:w-md lg:shrink-0")}>
        {playing || editing ? (
          <ClipPlayer clip={clip} size={editing ? "editor" : "card"} autoPlay={playing} />
        ) : (
          <button type="button" onClick={onPlay} className="group flex w-full justify-center" aria-label={`Play ${label}`}>
            <img src={versionedVideoUrl(mediaUrls.thumbnail(clip), clip)} alt="" loading="lazy" className="object-cover" style={playerBox(clipAspect(clip), "card")} />
            <span
              aria-hidden
              className="absolute inset-0 m-auto flex size-12 items-center justify-center rounded-full bg-black/60 text-xl text-white group-hover:bg-accent-600"
            >
              ▶
            </span>
          </button>
        )}
        <span className="absolute left-2 top-2 flex gap-1">
          <ScoreBadge score={clip.score} />
          <RenderBadge clip={clip} />
        </span>
        <span className="absolute bottom-2 right-2 rounded bg-black/70 px-1.5 text-xs tabular-nums text-white">
          {formatDuration(clip.duration)}
        </span>
      </div>
      <div className="flex flex-1 flex-col gap-2 p-3">
        {editing ? (
          <>
            <ClipEditor
              clip={clip}
              onCancel={() => setEditing(false)}
              onSaved={(saved) => {
                onChanged(saved);
                setEditing(false);
                toast({ tone: "success", title: "Clip saved" });
              }}
            />
            <p className="text-xs tabular-nums text-zinc-600" data-testid="clip-render-facts">
              {clip.width}×{clip.height} · {clip.format} · layout {clip.layout} · captions {clip.caption_style} · loudness{" "}
              <span data-testid="clip-loudness">{formatLufs(clip.loudness)}</span>
            </p>
            <ShotTimeline clip={clip} />
            <RenderPanel
              // A finished render starts the form again from the new clip.
              key={`${clip.render_status}-${clip.start_time}-${clip.end_time}-${JSON.stringify(clip.render_options)}`}
              clip={clip}
              onRendering={(c) => {
                onChanged(c);
                toast({ tone: "info", title: "Re-rendering", description: "The new video replaces this one when it is ready." });
              }}
            />
          </>
        ) : (
          <>
            <h3 className="font-medium leading-snug" data-testid="clip-title">
              {index !== undefined && <span className="text-zinc-500">{index}. </span>}
              {clip.title}
            </h3>
            <p className="text-xs tabular-nums text-zinc-500">
              {formatDuration(clip.start_time)}–{formatDuration(clip.end_time)} in the source
              {clip.file_size ? ` · ${formatBytes(clip.file_size)}` : ""}
              {clip.width && clip.height ? ` · ${clip.width}×${clip.height}` : ""}
              {clip.loudness !== null && clip.loudness !== undefined && <span data-testid="clip-loudness"> · {formatLufs(clip.loudness)}</span>}
              {showJobLink && (
                <>
                  {" · "}
                  <Link href={`/jobs/${clip.job_id}`} className="text-accent-700 underline hover:text-accent-900">
                    job
                  </Link>
                </>
              )}
            </p>
            {(clip.shots?.length ?? 0) > 0 && <ShotTimeline clip={clip} />}
            {clip.render_status === "failed" && clip.render_error && (
              <p role="alert" className="rounded-md bg-red-50 p-2 text-xs text-red-800">
                Re-render failed: {clip.render_error}
              </p>
            )}
            {clip.key_quote && <blockquote className="border-l-2 border-zinc-300 pl-2 text-sm italic text-zinc-700">“{clip.key_quote}”</blockquote>}
            {clip.description && <p className="text-sm text-zinc-600">{clip.description}</p>}
            {clip.reasoning && (
              <details className="text-sm text-zinc-600">
                <summary className="cursor-pointer text-xs font-medium text-zinc-500">Why this clip</summary>
                <p className="mt-1">{clip.reasoning}</p>
              </details>
            )}
            {(clip.tags?.length ?? 0) > 0 && (
              <ul className="flex flex-wrap gap-1" aria-label="Tags">
                {clip.tags.map((t) => (
                  <li key={t} className="rounded-full bg-zinc-100 px-2 py-0.5 text-xs text-zinc-700">
                    #{t}
                  </li>
                ))}
              </ul>
            )}
            <div className="mt-auto flex flex-wrap items-center gap-1.5 pt-2">
              <Button variant="secondary" size="sm" onClick={() => setEditing(true)} aria-label={`Edit ${label}`}>
                Edit
              </Button>
              <Button
                variant="secondary"
                size="sm"
                onClick={() => setPublishing(true)}
                disabled={isRendering(clip)}
                aria-label={`Publish ${label} to YouTube`}
              >
                Publish
              </Button>
              <a href={mediaUrls.download(clip)} download className={buttonClass("secondary", "sm")} aria-label={`Download MP4 of ${label}`}>
                MP4
              </a>
              <a href={mediaUrls.srt(clip)} download className={buttonClass("ghost", "sm")} aria-label={`Download SRT captions of ${label}`}>
                SRT
              </a>
              <a href={mediaUrls.vtt(clip)} download className={buttonClass("ghost", "sm")} aria-label={`Download VTT captions of ${label}`}>
                VTT
              </a>
            </div>
          </>
        )}
      </div>
      <PublishDialog
        open={publishing}
        clip={clip}
        onClose={() => setPublishing(false)}
        onPublished={(pub) => {
          setPublishing(false);
          toast({
            tone: "success",
            title: pub.publish_at ? "Scheduled on YouTube" : "Publishing to YouTube",
            description: "Follow the upload on the Publications page.",
          });
        }}
      />
    </Card>
  );
}
