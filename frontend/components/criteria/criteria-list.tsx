"use client";

import Link from "next/link";
import { Card, PageHeader } from "@/components/ui/card";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useQuery } from "@/hooks/use-query";
import { api } from "@/lib/api";
import { formatDateTime } from "@/lib/format";

export function CriteriaList() {
  const list = useQuery("criteria", () => api.criteria.list());
  return (
    <>
      <PageHeader title="Criteria" description="The instructions that decide what makes a moment worth clipping. Edit them to fit your audience." />
      {list.error && !list.data ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <LoadingState />
      ) : list.data.length === 0 ? (
        <EmptyState title="No criteria" description="The server has no criteria files. Add text files to the criteria/ folder." />
      ) : (
        <Card>
          <ul className="divide-y divide-zinc-200">
            {list.data.map((c) => (
              <li key={c.name}>
                <Link
                  href={`/criteria/${encodeURIComponent(c.name)}`}
                  className="flex items-center justify-between gap-4 px-4 py-3 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-accent-600"
                >
                  <div className="min-w-0">
                    <p className="font-medium">{c.title || c.name}</p>
                    <p className="font-mono text-xs text-zinc-500">{c.name}</p>
                  </div>
                  <div className="shrink-0 text-right text-xs">
                    <span
                      className={
                        c.source === "user"
                          ? "rounded-full bg-accent-50 px-2 py-0.5 font-medium text-accent-800"
                          : "rounded-full bg-zinc-100 px-2 py-0.5 text-zinc-600"
                      }
                    >
                      {c.source === "user" ? `Edited · rev ${c.revision ?? "?"}` : "Built-in"}
                    </span>
                    {c.updated_at && <p className="mt-1 text-zinc-500">{formatDateTime(c.updated_at)}</p>}
                  </div>
                </Link>
              </li>
            ))}
          </ul>
        </Card>
      )}
    </>
  );
}
