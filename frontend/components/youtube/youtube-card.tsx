"use client";

/* eslint-disable @next/next/no-img-element -- the channel thumbnail is Google's, any size */
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { QuotaLine } from "@/components/youtube/quota-line";
import { FormError } from "@/components/ui/field";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { toast } from "@/components/ui/toast";
import { useQuery } from "@/hooks/use-query";
import { api as defaultApi, errorMessage, type ApiClient } from "@/lib/api";
import { formatDateTime } from "@/lib/format";
import { isNotConfigured, YOUTUBE_SETTINGS } from "@/lib/youtube";

/** Why YouTube is off on this server, and the three settings that turn it on. */
export function YouTubeNotConfigured() {
  return (
    <div className="space-y-2 text-sm text-zinc-700" data-testid="youtube-not-configured">
      <p>YouTube is not configured on this server. Whoever runs it sets these, then restarts it:</p>
      <ul className="list-disc space-y-1 pl-5">
        {YOUTUBE_SETTINGS.map((s) => (
          <li key={s.name}>
            <code className="rounded bg-zinc-100 px-1 font-mono text-xs">{s.name}</code> — {s.help}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Settings: link a YouTube channel (OAuth at Google), show it, unlink it. */
export function YouTubeCard({ api = defaultApi, navigate = (url: string) => window.location.assign(url) }: { api?: ApiClient; navigate?: (url: string) => void }) {
  const status = useQuery("youtube-status", () => api.youtube.status());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);

  const connect = async () => {
    setBusy(true);
    setError(null);
    try {
      const { authorization_url } = await api.youtube.connect();
      // Google's consent page, then back to /youtube/callback: a full navigation.
      navigate(authorization_url);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  const unlink = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.youtube.unlink();
      setConfirming(false);
      toast({ tone: "success", title: "YouTube channel unlinked" });
      await status.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const data = status.data;
  const notConfigured = isNotConfigured(data, status.error);
  let body;
  if (notConfigured) body = <YouTubeNotConfigured />;
  else if (status.error && !data) body = <ErrorState error={status.error} onRetry={status.reload} />;
  else if (!data) body = <LoadingState />;
  else if (data.connected && data.channel)
    body = (
      <div className="flex flex-wrap items-center gap-3" data-testid="youtube-channel">
        {data.channel.thumbnail_url && <img src={data.channel.thumbnail_url} alt="" className="size-12 rounded-full" />}
        <div className="min-w-0 flex-1">
          <p className="font-medium">{data.channel.title}</p>
          <p className="text-xs text-zinc-500">Linked {formatDateTime(data.connected_at)}</p>
          {data.needs_relink && (
            <p className="mt-1 text-sm text-amber-800" role="alert">
              Google no longer accepts this link. Link the channel again to keep publishing.
            </p>
          )}
        </div>
        {data.needs_relink && (
          <Button size="sm" onClick={connect} busy={busy}>
            Re-link
          </Button>
        )}
        <Button variant="secondary" size="sm" onClick={() => setConfirming(true)} disabled={busy}>
          Unlink
        </Button>
      </div>
    );
  else
    body = (
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-zinc-600">Link a channel to publish clips to it as Shorts.</p>
        <Button size="sm" onClick={connect} busy={busy}>
          Connect YouTube
        </Button>
      </div>
    );

  return (
    <Card data-testid="youtube-card">
      <CardHeader title="YouTube" description="The channel clips are published to." />
      <div className="space-y-3 p-4">
        <FormError messages={error ? [error] : []} />
        {body}
        {data?.quota && !notConfigured && <QuotaLine quota={data.quota} />}
      </div>
      <ConfirmDialog
        open={confirming}
        title="Unlink YouTube?"
        description="The access Google gave is revoked and the stored credentials deleted. Published videos stay on YouTube."
        confirmLabel="Unlink"
        danger
        busy={busy}
        onConfirm={() => void unlink()}
        onCancel={() => setConfirming(false)}
      />
    </Card>
  );
}
