"use client";

import { useEffect, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormError } from "@/components/ui/field";
import { Input, Select, Textarea } from "@/components/ui/input";
import { useFormAction } from "@/hooks/use-form-action";
import { api, type Clip, type Publication, type PrivacyStatus, type PublishRequest } from "@/lib/api";
import {
  PRIVACY_LABELS,
  PUBLISH_FIELDS,
  publishDraftFromClip,
  publishFollowUp,
  publishPayload,
  publishProblems,
  TITLE_MAX,
  type PublishDraft,
} from "@/lib/youtube";

export interface PublishFormProps {
  clip: Pick<Clip, "id" | "title" | "description" | "tags">;
  onPublished: (publication: Publication) => void;
  onCancel: () => void;
  /** Injected in tests. */
  publish?: (clipId: string, body: PublishRequest) => Promise<Publication>;
}

/** Title, description, tags, privacy, an optional schedule, then POST /clips/{id}/publish. */
export function PublishForm({ clip, onPublished, onCancel, publish = api.publications.publish }: PublishFormProps) {
  const [draft, setDraft] = useState<PublishDraft>(() => publishDraftFromClip(clip));
  // Asked for only once the API says so (409), so the usual case stays a short form.
  const [ask, setAsk] = useState<{ rights: boolean; force: boolean }>({ rights: false, force: false });
  const { busy, fieldErrors, formErrors, submit } = useFormAction(PUBLISH_FIELDS);
  const set = <K extends keyof PublishDraft>(key: K, value: PublishDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const id = (f: string) => `publish-${clip.id}-${f}`;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  const onSubmit = (e: React.FormEvent) =>
    submit(e, () => publishProblems(draft), async () => {
      try {
        onPublished(await publish(clip.id, publishPayload(draft)));
      } catch (err) {
        const next = publishFollowUp(err);
        if (next) setAsk((a) => ({ rights: a.rights || next === "confirm_rights", force: a.force || next === "force" }));
        throw err;
      }
    });

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label={`Publish ${clip.title}`} data-testid="publish-form">
      <FormError messages={formErrors} />
      <Field id={id("title")} label="Title" error={fieldErrors.title} hint={`${draft.title.length}/${TITLE_MAX}`}>
        <Input id={id("title")} value={draft.title} maxLength={TITLE_MAX} onChange={(e) => set("title", e.target.value)} aria-invalid={fieldErrors.title ? true : undefined} />
      </Field>
      <Field id={id("description")} label="Description" error={fieldErrors.description}>
        <Textarea id={id("description")} rows={3} value={draft.description} onChange={(e) => set("description", e.target.value)} />
      </Field>
      <Field id={id("tags")} label="Tags" hint="Separated by commas." error={fieldErrors.tags}>
        <Input id={id("tags")} value={draft.tags} onChange={(e) => set("tags", e.target.value)} />
      </Field>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field id={id("privacy")} label="Privacy" error={fieldErrors.privacy_status}>
          <Select
            id={id("privacy")}
            value={draft.privacy_status}
            onChange={(e) => set("privacy_status", e.target.value as PrivacyStatus)}
          >
            {(Object.keys(PRIVACY_LABELS) as PrivacyStatus[]).map((p) => (
              // YouTube schedules only private videos: the others are off while a time is set.
              <option key={p} value={p} disabled={!!draft.schedule && p !== "private"}>
                {PRIVACY_LABELS[p]}
              </option>
            ))}
          </Select>
        </Field>
        <Field id={id("schedule")} label="Schedule (optional)" error={fieldErrors.publish_at} hint={`Your time (${zone}). It goes public then.`}>
          <Input
            id={id("schedule")}
            type="datetime-local"
            value={draft.schedule}
            onChange={(e) => setDraft((d) => ({ ...d, schedule: e.target.value, privacy_status: e.target.value ? "private" : d.privacy_status }))}
          />
        </Field>
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" className="size-4 accent-accent-600" checked={draft.made_for_kids} onChange={(e) => set("made_for_kids", e.target.checked)} />
        Made for kids
      </label>
      {ask.rights && (
        <label className="flex items-start gap-2 rounded-md bg-amber-50 p-2 text-sm text-amber-900" data-testid="publish-confirm-rights">
          <input type="checkbox" className="mt-0.5 size-4 accent-accent-600" checked={draft.confirm_rights} onChange={(e) => set("confirm_rights", e.target.checked)} />
          <span>
            I hold the rights to this video. It comes from another channel&apos;s YouTube video: re-uploading it breaks
            YouTube&apos;s policies otherwise, and Content ID blocks claimed Shorts over 1 minute worldwide.
          </span>
        </label>
      )}
      {ask.force && (
        <label className="flex items-center gap-2 text-sm" data-testid="publish-force">
          <input type="checkbox" className="size-4 accent-accent-600" checked={draft.force} onChange={(e) => set("force", e.target.checked)} />
          Publish it again anyway (a second video)
        </label>
      )}
      <div className="flex justify-end gap-2">
        <Button variant="secondary" size="sm" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
        <Button type="submit" size="sm" busy={busy}>
          {draft.schedule ? "Schedule" : "Publish"}
        </Button>
      </div>
    </form>
  );
}

/** The form in a modal <dialog>, opened from a clip card. */
export function PublishDialog({ open, onClose, ...form }: Omit<PublishFormProps, "onCancel"> & { open: boolean; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    } else if (!open && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      className="m-auto w-[min(34rem,calc(100vw-2rem))] rounded-lg border border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-zinc-950/40"
    >
      {open && (
        <div className="p-5">
          <h2 id={titleId} className="mb-3 text-lg font-semibold">
            Publish to YouTube
          </h2>
          <PublishForm {...form} onCancel={onClose} />
        </div>
      )}
    </dialog>
  );
}
