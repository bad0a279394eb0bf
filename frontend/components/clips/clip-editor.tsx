"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { describedBy, Field, FormError } from "@/components/ui/field";
import { Input, Textarea } from "@/components/ui/input";
import { useFormAction } from "@/hooks/use-form-action";
import { api, type Clip, type ClipUpdate } from "@/lib/api";

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
  // The editor closes once saved, so it stays busy until it goes.
  const { busy, fieldErrors: errors, formErrors, submit } = useFormAction(FIELDS, { holdBusyOnSuccess: true });
  const id = (f: string) => `clip-${clip.id}-${f}`;

  const onSubmit = (e: FormEvent) =>
    submit(
      e,
      () => (title.trim() ? {} : { title: "Give the clip a title." }),
      async () => onSaved(await save(clip.id, { title: title.trim(), description, tags: parseTags(tags) })),
    );

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label={`Edit ${clip.title}`}>
      <FormError messages={formErrors} />
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
