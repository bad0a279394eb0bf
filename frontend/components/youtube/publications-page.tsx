"use client";

import Link from "next/link";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { ProgressBar } from "@/components/ui/progress-bar";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { StatusBadge } from "@/components/ui/status-badge";
import { toast } from "@/components/ui/toast";
import { StatsChart } from "@/components/youtube/stats-chart";
import { YouTubeNotConfigured } from "@/components/youtube/youtube-card";
import type { LiveOptions } from "@/hooks/use-live-connection";
import { usePublicationsLive } from "@/hooks/use-publications-live";
import { useQuery } from "@/hooks/use-query";
import { api as defaultApi, errorMessage, type ApiClient, type Publication } from "@/lib/api";
import { formatDateTime } from "@/lib/format";
import { canCancel, isActivePublication, isNotConfigured, PRIVACY_LABELS } from "@/lib/youtube";

const PAGE_SIZE = 20;
const numbers = new Intl.NumberFormat();

function PublicationRow({ pub, api, onChanged }: { pub: Publication; api: ApiClient; onChanged: (p: Publication) => void }) {
  const [busy, setBusy] = useState<"retry" | "cancel" | "stats" | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [showChart, setShowChart] = useState(false);

  const act = async (kind: "retry" | "cancel" | "stats") => {
    setBusy(kind);
    try {
      if (kind === "retry") onChanged(await api.publications.retry(pub.id));
      else if (kind === "stats") onChanged(await api.publications.refreshStats(pub.id));
      else {
        await api.publications.cancel(pub.id);
        setConfirmCancel(false);
        // The 204 carries nothing; the row is read again for its new status.
        onChanged(await api.publications.get(pub.id));
      }
    } catch (err) {
      toast({ tone: "error", title: "That did not work", description: errorMessage(err) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <li className="space-y-2 p-4" data-testid="publication-row" data-status={pub.status}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="font-medium">{pub.title}</p>
          <p className="text-xs text-zinc-500">
            {PRIVACY_LABELS[pub.privacy_status]}
            {pub.publish_at && <> · goes live {formatDateTime(pub.publish_at)}</>} · created {formatDateTime(pub.created_at)} ·{" "}
            <Link href={`/jobs/${pub.job_id}#clip-${pub.clip_id}`} className="text-accent-700 underline">
              clip
            </Link>
          </p>
        </div>
        <StatusBadge status={pub.status} />
      </div>
      {isActivePublication(pub) && (
        <ProgressBar value={pub.progress} label={`Upload of ${pub.title}`} size="sm" showValue />
      )}
      {pub.status === "failed" && (
        <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-800" data-testid="publication-error">
          {pub.error_message || "The upload failed."}
          {pub.error_code && <span className="ml-1 text-xs text-red-600">({pub.error_code})</span>}
        </p>
      )}
      {pub.warning && <p className="text-xs text-amber-800">{pub.warning}</p>}
      <div className="flex flex-wrap items-center gap-2 text-sm">
        {pub.url && (
          <a href={pub.url} target="_blank" rel="noreferrer" className="text-accent-700 underline" data-testid="publication-url">
            Watch on YouTube
          </a>
        )}
        {pub.stats && (
          <span className="tabular-nums text-zinc-600" data-testid="publication-stats">
            {numbers.format(pub.stats.views)} views · {numbers.format(pub.stats.likes)} likes · {numbers.format(pub.stats.comments)} comments
          </span>
        )}
        <span className="ml-auto flex gap-2">
          {pub.status === "published" && (
            <>
              <Button variant="ghost" size="sm" aria-expanded={showChart} onClick={() => setShowChart((v) => !v)}>
                {showChart ? "Hide chart" : "Chart"}
              </Button>
              <Button variant="ghost" size="sm" busy={busy === "stats"} onClick={() => void act("stats")}>
                Refresh stats
              </Button>
            </>
          )}
          {pub.status === "failed" && (
            <Button variant="secondary" size="sm" busy={busy === "retry"} onClick={() => void act("retry")}>
              Retry
            </Button>
          )}
          {canCancel(pub) && (
            <Button variant="secondary" size="sm" disabled={busy !== null} onClick={() => setConfirmCancel(true)}>
              Cancel
            </Button>
          )}
        </span>
      </div>
      {showChart && pub.status === "published" && (
        <StatsChart api={api} publicationId={pub.id} version={pub.stats?.refreshed_at ?? ""} />
      )}
      <ConfirmDialog
        open={confirmCancel}
        title="Cancel this upload?"
        description="Nothing more is sent to YouTube."
        confirmLabel="Cancel upload"
        danger
        busy={busy === "cancel"}
        onConfirm={() => void act("cancel")}
        onCancel={() => setConfirmCancel(false)}
      />
    </li>
  );
}

/** Every publication of the user, newest first, live while uploads run. */
export function PublicationsPage({ api = defaultApi, live = {} }: { api?: ApiClient; live?: LiveOptions }) {
  const [offset, setOffset] = useState(0);
  // The status first: on a server without a Google client the list would answer 503, which the
  // browser logs as an error; the status read answers 200 with `configured: false` instead.
  const youtube = useQuery("publications-youtube", () => api.youtube.status());
  const statusKnown = youtube.data !== undefined || youtube.error !== undefined;
  const notConfigured = isNotConfigured(youtube.data, youtube.error);
  const list = usePublicationsLive({ limit: PAGE_SIZE, offset }, { ...live, api, enabled: statusKnown && !notConfigured });
  const data = list.data;
  return (
    <>
      <PageHeader title="Publications" description="Clips sent to YouTube, with their upload and their numbers." />
      {notConfigured || (list.error && !data && isNotConfigured(undefined, list.error)) ? (
        <Card className="p-4">
          <YouTubeNotConfigured />
        </Card>
      ) : list.error && !data ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !data ? (
        <LoadingState />
      ) : data.items.length === 0 ? (
        <EmptyState title="Nothing published yet" description="Use Publish on a clip to send it to your YouTube channel." />
      ) : (
        <Card>
          <ul className="divide-y divide-zinc-200" aria-label="Publications">
            {data.items.map((p) => (
              <PublicationRow key={p.id} pub={p} api={api} onChanged={list.replace} />
            ))}
          </ul>
        </Card>
      )}
      {data && data.total > PAGE_SIZE && (
        <div className="flex justify-between pt-4 text-sm">
          <Button variant="secondary" size="sm" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
            Newer
          </Button>
          <span className="text-zinc-500">
            {offset + 1}–{Math.min(offset + PAGE_SIZE, data.total)} of {data.total}
          </span>
          <Button variant="secondary" size="sm" disabled={offset + PAGE_SIZE >= data.total} onClick={() => setOffset(offset + PAGE_SIZE)}>
            Older
          </Button>
        </div>
      )}
    </>
  );
}
