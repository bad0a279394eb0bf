"use client";

import { useCallback, useMemo } from "react";
import { api as defaultApi, type ApiClient, type Clip } from "@/lib/api";
import { useLiveConnection, type LiveOptions } from "./use-live-connection";

/**
 * Keeps one clip current while it re-renders: `clip_updated` brings the finished (or failed)
 * clip; on a reconnect, or every few seconds while the socket is down, it is fetched instead,
 * since an event sent while we were away is lost.
 */
export function useClipLive(clip: Pick<Clip, "id" | "render_status">, onChange: (clip: Clip) => void, options: LiveOptions & { api?: ApiClient } = {}) {
  const client = options.api ?? defaultApi;
  const { id } = clip;
  const rendering = clip.render_status === "rendering";

  const onUpdated = useCallback((updated: Clip) => {
    if (updated.id === id) onChange(updated);
  }, [id, onChange]);
  const handlers = useMemo(() => ({ clip_updated: onUpdated }), [onUpdated]);

  const catchUp = useCallback(() => {
    if (rendering) void client.clips.get(id).then(onChange, () => undefined);
  }, [rendering, client, id, onChange]);

  return useLiveConnection(handlers, catchUp, { ...options, pollWhile: rendering });
}
