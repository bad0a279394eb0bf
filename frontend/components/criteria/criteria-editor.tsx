"use client";

import { useState, type FormEvent } from "react";
import { DiffView } from "@/components/criteria/diff-view";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { describedBy, Field, FormError } from "@/components/ui/field";
import { Input, Textarea } from "@/components/ui/input";
import { LoadingState } from "@/components/ui/states";
import { toast } from "@/components/ui/toast";
import { useFormAction } from "@/hooks/use-form-action";
import { api, errorMessage, type Criteria } from "@/lib/api";
import { cn } from "@/lib/cn";

type Compare = "builtin" | "saved";
const FIELDS = ["content", "title"] as const;

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
  const { busy: saving, fieldErrors: errors, formErrors, submit } = useFormAction(FIELDS);
  const [reverting, setReverting] = useState(false);
  const [confirmRevert, setConfirmRevert] = useState(false);
  const busy = saving || reverting;
  const dirty = content !== criteria.content || title !== criteria.title;

  const onSubmit = (e: FormEvent) =>
    submit(
      e,
      () => (content.trim() ? {} : { content: "The criteria text cannot be empty." }),
      async () => {
        const saved = await api.criteria.save(criteria.name, { content, ...(title.trim() ? { title: title.trim() } : {}) });
        toast({ tone: "success", title: `Saved revision ${saved?.revision ?? ""}`.trim() });
        onSaved(saved);
      },
    );

  async function revert() {
    setReverting(true);
    try {
      await api.criteria.revert(criteria.name);
      toast({ tone: "success", title: "Reverted to the built-in text" });
      onReverted();
    } catch (err) {
      toast({ tone: "error", title: "Could not revert", description: errorMessage(err) });
    } finally {
      setReverting(false);
      setConfirmRevert(false);
    }
  }

  const base = compare === "builtin" ? builtin : criteria.content;
  return (
    <div className="space-y-6">
      <Card className="p-4 sm:p-6">
        <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Edit criteria">
          <FormError messages={formErrors} />
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
              <Button type="submit" busy={saving} disabled={!dirty || reverting}>
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
        busy={reverting}
        onCancel={() => setConfirmRevert(false)}
        onConfirm={() => void revert()}
      />
    </div>
  );
}
