"use client";

import Link from "next/link";
import { notFound, useParams } from "next/navigation";
import { CriteriaEditor } from "@/components/criteria/criteria-editor";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useQuery } from "@/hooks/use-query";
import { api, ApiError } from "@/lib/api";
import { formatDateTime } from "@/lib/format";

export function CriteriaEditorPage() {
  const { name: raw } = useParams<{ name: string }>();
  const name = decodeURIComponent(raw);
  const current = useQuery(`criteria-${name}`, () => api.criteria.get(name));
  const builtin = useQuery(`criteria-builtin-${name}`, async () => {
    try {
      return await api.criteria.builtin(name);
    } catch (err) {
      // A criteria the user created has no built-in file.
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  });
  const revisions = useQuery(`criteria-revisions-${name}`, () => api.criteria.revisions(name));

  const reloadAll = () => {
    void current.reload();
    void revisions.reload();
  };

  if (current.error && !current.data) {
    // Rendered by this route's not-found.tsx.
    if (current.error instanceof ApiError && current.error.status === 404) notFound();
    return <ErrorState error={current.error} onRetry={current.reload} />;
  }
  if (!current.data) return <LoadingState />;

  return (
    <>
      <PageHeader
        title={current.data.title || current.data.name}
        description={
          <>
            <Link href="/criteria" className="text-accent-700 underline hover:text-accent-900">
              Criteria
            </Link>{" "}
            / <span className="font-mono">{name}</span> ·{" "}
            {current.data.source === "user" ? `your revision ${current.data.revision ?? ""}` : "built-in text"}
          </>
        }
      />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="lg:col-span-2">
          <CriteriaEditor
            key={`${current.data.source}-${current.data.revision}`}
            criteria={current.data}
            builtin={builtin.data === undefined ? undefined : (builtin.data?.content ?? null)}
            builtinError={builtin.error?.message}
            onSaved={(saved) => {
              current.setData(() => saved);
              reloadAll();
            }}
            onReverted={reloadAll}
          />
        </div>
        <Card>
          <CardHeader title="Revision history" />
          <div className="p-4">
            {revisions.error ? (
              <ErrorState error={revisions.error} onRetry={revisions.reload} />
            ) : !revisions.data ? (
              <LoadingState />
            ) : revisions.data.length === 0 ? (
              <p className="text-sm text-zinc-500">No edits yet: jobs use the built-in text.</p>
            ) : (
              <ol className="space-y-2 text-sm" aria-label="Revisions" data-testid="revisions">
                {[...revisions.data]
                  .sort((a, b) => b.revision - a.revision)
                  .map((r) => (
                    <li key={r.revision} className="flex items-baseline justify-between gap-2">
                      <span className="font-medium">
                        Revision {r.revision}
                        {r.revision === current.data?.revision && current.data?.source === "user" && (
                          <span className="ml-1 text-xs font-normal text-accent-700">(current)</span>
                        )}
                      </span>
                      <span className="text-right text-xs text-zinc-500">
                        {formatDateTime(r.created_at)}
                        <br />
                        <span className="font-mono" title={r.content_sha256}>
                          {r.content_sha256.slice(0, 10)}
                        </span>
                      </span>
                    </li>
                  ))}
              </ol>
            )}
          </div>
        </Card>
      </div>
    </>
  );
}
