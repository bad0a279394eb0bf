"use client";

import { describedBy, Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import type { PrivacyStatus } from "@/lib/api";
import { PRIVACY_LABELS, type AutoPublishDraft, type AutoPublishField } from "@/lib/youtube";

/** "Publish to YouTube when done": the job option `publish`, shown only with a linked channel. */
export function AutoPublishFields({
  draft,
  onChange,
  errors,
  maxClips,
}: {
  draft: AutoPublishDraft;
  onChange: (draft: AutoPublishDraft) => void;
  errors: Partial<Record<AutoPublishField, string | undefined>>;
  maxClips: number;
}) {
  const set = <K extends keyof AutoPublishDraft>(key: K, value: AutoPublishDraft[K]) => onChange({ ...draft, [key]: value });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <div className="space-y-4" data-testid="auto-publish">
      <label className="flex items-center gap-2 text-sm font-medium">
        <input
          type="checkbox"
          className="size-4 accent-accent-600"
          checked={draft.enabled}
          onChange={(e) => set("enabled", e.target.checked)}
        />
        Publish to YouTube when done
      </label>
      {draft.enabled && (
        <div className="grid gap-3 sm:grid-cols-3">
          <Field id="publish_privacy" label="Privacy">
            <Select
              id="publish_privacy"
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
          <Field id="publish_top" label="Best clips to publish" error={errors.publish_top} hint={`1 to ${maxClips}.`}>
            <Input
              {...describedBy("publish_top", errors.publish_top, "hint")}
              type="number"
              inputMode="numeric"
              min={1}
              max={maxClips}
              step={1}
              value={draft.top}
              onChange={(e) => set("top", e.target.value)}
            />
          </Field>
          <Field id="publish_at" label="Schedule (optional)" error={errors.publish_at} hint={`Your time (${zone}). Private until then.`}>
            <Input
              {...describedBy("publish_at", errors.publish_at, "hint")}
              type="datetime-local"
              value={draft.schedule}
              onChange={(e) =>
                onChange({ ...draft, schedule: e.target.value, privacy_status: e.target.value ? "private" : draft.privacy_status })
              }
            />
          </Field>
        </div>
      )}
    </div>
  );
}
