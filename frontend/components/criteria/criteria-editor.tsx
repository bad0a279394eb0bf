"use client";

import Link from "next/link";
import { useParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { DiffView } from "@/components/criteria/diff-view";
import { Button } from "@/components/ui/button";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { describedBy, Field, FormError } from "@/components/ui/field";
import { Input, Textarea } from "@/components/ui/input";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { toast } from "@/components/ui/toast";
import { useQuery } from "@/hooks/use-query";
import { api, ApiError, errorMessage, type Criteria } from "@/lib/api";
import { cn } from "@/lib/cn";
import { formatDateTime } from "@/lib/format";

type Compare = "builtin" | "saved";

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
    if (current.error instanceof ApiError && current.error.status === 404)
      return <EmptyState title="No such criteria" action={<Link href="/criteria" className="text-accent-700 underline">All criteria</Link>} />;
    return <ErrorState error={current.error} onRetry={current.reload} />;
  }
  if (!current.data) return <LoadingState />;

  return (
    <>
      <PageHeader
        title={current.data.title || current.data.name}
        description={
          <>
            <Link href="/criteria" className="text-accent-700 hover:underline">
              Criteria
            </Link>{" "}
            / <span className="font-mono">{name}</span> ·{" "}
            {current.data.source === "user" ? `your revision ${current.data.revision ?? ""}` : "built-in text"}
          </>
        }
      />
      <div className="grid gap-6 lg:grid-cols-3">
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

export interface CriteriaEditorProps {
  criteria: Criteria;
  /** undefined: still loading; null: there is no built-in file. */
  builtin: string | null | undefined;
  builtinError?: string;
  onSaved: (saved: Criteria) => void;
  onReverted: () => void;
}

export function CriteriaEditor({ criteria, builtin, builtinError, onSaved, onReverted }: CriteriaEditorProps) {
  const [content, setContent] = useState(criteria.content);
  const [title, setTitle] = useState(criteria.title);
  const [compare, setCompare] = useState<Compare>("builtin");
  const [errors, setErrors] = useState<Partial<Record<"content" | "title", string>>>({});
  const [formError, setFormError] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [confirmRevert, setConfirmRevert] = useState(false);
  const dirty = content !== criteria.content || title !== criteria.title;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!content.trim()) return setErrors({ content: "The criteria text cannot be empty." });
    setErrors({});
    setFormError([]);
    setBusy(true);
    try {
      const saved = await api.criteria.save(criteria.name, { content, ...(title.trim() ? { title: title.trim() } : {}) });
      toast({ tone: "success", title: `Saved revision ${saved?.revision ?? ""}`.trim() });
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError) {
        setErrors({ content: err.fieldError("content"), title: err.fieldError("title") });
        setFormError([err.message, ...err.unclaimedFieldErrors(["content", "title"])]);
      } else setFormError([errorMessage(err)]);
    } finally {
      setBusy(false);
    }
  }

  async function revert() {
    setBusy(true);
    try {
      await api.criteria.revert(criteria.name);
      toast({ tone: "success", title: "Reverted to the built-in text" });
      onReverted();
    } catch (err) {
      toast({ tone: "error", title: "Could not revert", description: errorMessage(err) });
    } finally {
      setBusy(false);
      setConfirmRevert(false);
    }
  }

  const base = compare === "builtin" ? builtin : criteria.content;
  return (
    <div className="space-y-6">
      <Card className="p-4 sm:p-6">
        <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Edit criteria">
          <FormError messages={formError} />
          <Field id="criteria-title" label="Title" error={errors.title}>
            <Input {...describedBy("criteria-title", errors.title)} value={title} onChange={(e) => setTitle(e.target.value)} />
          </Field>
          <Field id="criteria-content" label="Instructions" error={errors.content} hint="Saving creates a new revision; the built-in file never changes.">
            <Textarea
              {...describedBy("criteria-content", errors.content, "hint")}
              rows={16}
              className="font-mono text-xs leading-5"
              value={content}
              onChange={(e) => setContent(e.target.value)}
            />
          </Field>
          <div className="flex flex-wrap justify-between gap-2">
            <Button variant="ghost" onClick={() => setConfirmRevert(true)} disabled={criteria.source !== "user" || busy}>
              Revert to built-in
            </Button>
            <div className="flex gap-2">
              <Button variant="secondary" disabled={!dirty || busy} onClick={() => { setContent(criteria.content); setTitle(criteria.title); }}>
                Discard changes
              </Button>
              <Button type="submit" busy={busy} disabled={!dirty}>
                Save revision
              </Button>
            </div>
          </div>
        </form>
      </Card>
      <Card>
        <CardHeader
          title="Changes"
          actions={
            <div role="radiogroup" aria-label="Compare with" className="inline-flex rounded-md bg-zinc-100 p-0.5 text-xs">
              {(
                [
                  ["builtin", "vs built-in"],
                  ["saved", "vs last saved"],
                ] as const
              ).map(([value, label]) => (
                <button
                  key={value}
                  type="button"
                  role="radio"
                  aria-checked={compare === value}
                  onClick={() => setCompare(value)}
                  className={cn("rounded px-2 py-1 font-medium text-zinc-600", compare === value && "bg-white text-zinc-900 shadow-xs")}
                >
                  {label}
                </button>
              ))}
            </div>
          }
        />
        <div className="p-4">
          {compare === "builtin" && builtinError ? (
            <p className="text-sm text-red-700">Could not load the built-in text: {builtinError}</p>
          ) : base === undefined ? (
            <LoadingState />
          ) : base === null ? (
            <p className="text-sm text-zinc-500">This criteria has no built-in version.</p>
          ) : (
            <DiffView
              before={base}
              after={content}
              emptyText={compare === "builtin" ? "Identical to the built-in text." : "No unsaved changes."}
            />
          )}
        </div>
      </Card>
      <ConfirmDialog
        open={confirmRevert}
        title="Revert to the built-in text?"
        description={<p>Your revisions stop being used; new jobs use the built-in file again.</p>}
        confirmLabel="Revert"
        danger
        busy={busy}
        onCancel={() => setConfirmRevert(false)}
        onConfirm={() => void revert()}
      />
    </div>
  );
}
