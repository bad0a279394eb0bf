"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { describedBy, Field, FormError } from "@/components/ui/field";
import { Input, Textarea } from "@/components/ui/input";
import { api, ApiError, errorMessage, type Clip, type ClipUpdate } from "@/lib/api";

type Errors = Partial<Record<"title" | "description" | "tags", string>>;
const FIELDS = ["title", "description", "tags"] as const;

export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.split(",")) {
    const tag = raw.trim().replace(/^#/, "");
    if (tag) seen.add(tag);
  }
  return [...seen];
}

export interface ClipEditorProps {
  clip: Clip;
  onSaved: (clip: Clip) => void;
  onCancel: () => void;
  save?: (id: string, body: ClipUpdate) => Promise<Clip>;
}

export function ClipEditor({ clip, onSaved, onCancel, save = api.clips.update }: ClipEditorProps) {
  const [title, setTitle] = useState(clip.title);
  const [description, setDescription] = useState(clip.description ?? "");
  const [tags, setTags] = useState((clip.tags ?? []).join(", "));
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const id = (f: string) => `clip-${clip.id}-${f}`;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!title.trim()) return setErrors({ title: "Give the clip a title." });
    setErrors({});
    setFormError([]);
    setBusy(true);
    try {
      onSaved(await save(clip.id, { title: title.trim(), description, tags: parseTags(tags) }));
    } catch (err) {
      if (err instanceof ApiError) {
        const next: Errors = {};
        for (const f of FIELDS) if (err.fieldError(f)) next[f] = err.fieldError(f);
        setErrors(next);
        setFormError([err.message, ...err.unclaimedFieldErrors(FIELDS)]);
      } else setFormError([errorMessage(err)]);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label={`Edit ${clip.title}`}>
      <FormError messages={formError} />
      <Field id={id("title")} label="Title" error={errors.title}>
        <Input {...describedBy(id("title"), errors.title)} value={title} onChange={(e) => setTitle(e.target.value)} />
      </Field>
      <Field id={id("description")} label="Description" error={errors.description}>
        <Textarea
          {...describedBy(id("description"), errors.description)}
          rows={3}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </Field>
      <Field id={id("tags")} label="Tags" error={errors.tags} hint="Separate tags with commas.">
        <Input {...describedBy(id("tags"), errors.tags, "hint")} value={tags} onChange={(e) => setTags(e.target.value)} />
      </Field>
      <div className="flex justify-end gap-2">
        <Button variant="secondary" size="sm" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
        <Button type="submit" size="sm" busy={busy}>
          Save
        </Button>
      </div>
    </form>
  );
}
