"use client";

import { useCallback, useMemo } from "react";
import { api as defaultApi, type ApiClient, type Publication, type PublicationList } from "@/lib/api";
import { applyPublicationEvent, isActivePublication, type PublicationAction, type PublicationProgressEvent } from "@/lib/youtube";
import { useQuery } from "./use-query";
import { useLiveConnection, type LiveOptions } from "./use-live-connection";

/**
 * One page of publications, kept current by `publication_progress` / `publication_updated`;
 * refetched on every reconnect (events sent while away are lost) and polled while the socket
 * is down and an upload is still running.
 */
export function usePublicationsLive(
  query: { limit: number; offset: number },
  options: LiveOptions & { api?: ApiClient; enabled?: boolean } = {},
) {
  const client = options.api ?? defaultApi;
  const { limit, offset } = query;
  // Disabled until the caller knows the server publishes at all (no request, so no 503 logged).
  const enabled = options.enabled ?? true;
  const list = useQuery(enabled ? `publications-${limit}-${offset}` : null, () => client.publications.list({ limit, offset }));
  const { setData, reload } = list;

  const apply = useCallback(
    (action: PublicationAction) =>
      setData((data: PublicationList | undefined) => {
        if (!data) return data;
        const known = action.type === "progress" || data.items.some((p) => p.id === action.publication.id);
        // A new publication only belongs on the first page (newest first).
        if (!known && offset > 0) return data;
        const items = applyPublicationEvent(data.items, action);
        return { ...data, items, total: data.total + (known ? 0 : 1) };
      }),
    [setData, offset],
  );
  const handlers = useMemo(
    () => ({
      publication_progress: (event: PublicationProgressEvent) =>
        apply({ type: "progress", event }),
      publication_updated: (publication: Publication) => apply({ type: "updated", publication }),
    }),
    [apply],
  );
  const catchUp = useCallback(() => void reload(), [reload]);
  const active = list.data?.items.some(isActivePublication) ?? false;
  const mode = useLiveConnection(handlers, catchUp, { ...options, pollWhile: active });
  return { ...list, mode, replace: (pub: Publication) => apply({ type: "updated", publication: pub }) };
}
