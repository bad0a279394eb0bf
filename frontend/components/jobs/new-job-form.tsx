"use client";

import { useRouter } from "next/navigation";
import { useRef, useState, type FormEvent } from "react";
import { AutoPublishFields } from "@/components/jobs/auto-publish-fields";
import { OptionsFields } from "@/components/settings/options-fields";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { describedBy, Field, FormError } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { ProgressBar } from "@/components/ui/progress-bar";
import { toast } from "@/components/ui/toast";
import { useFormAction, type FieldErrors } from "@/hooks/use-form-action";
import { useQuery } from "@/hooks/use-query";
import { api as defaultApi, type ApiClient, type CriteriaSummary, type JobOptions, type Settings } from "@/lib/api";
import { cn } from "@/lib/cn";
import { formatBytes } from "@/lib/format";
import { draftFromOptions, OPTION_FIELDS, optionsFromDraft } from "@/lib/options";
import { AUTO_PUBLISH_OFF, autoPublishOption, autoPublishProblems, canAutoPublish, TOP_MAX } from "@/lib/youtube";

type Source = "url" | "upload";
const FIELDS = ["source_url", "file", "captions", ...OPTION_FIELDS, "publish_top", "publish_at"] as const;
type Errors = FieldErrors<(typeof FIELDS)[number]>;

export function validateSourceUrl(value: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed) return "Paste a video link.";
  try {
    const url = new URL(trimmed);
    if (url.protocol !== "http:" && url.protocol !== "https:") return "Use an http(s) link.";
  } catch {
    return "That is not a valid link.";
  }
  return undefined;
}

export function NewJobForm({
  defaults,
  criteria,
  criteriaError,
  api = defaultApi,
}: {
  defaults: Settings;
  criteria: CriteriaSummary[] | undefined;
  criteriaError?: string;
  /** Injected in tests. */
  api?: ApiClient;
}) {
  const router = useRouter();
  const [source, setSource] = useState<Source>("url");
  const [url, setUrl] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [captions, setCaptions] = useState<File | null>(null);
  const [draft, setDraft] = useState(() => draftFromOptions(defaults));
  const [uploaded, setUploaded] = useState<number | null>(null);
  const [autoPublish, setAutoPublish] = useState(AUTO_PUBLISH_OFF);
  // No Google client (`configured: false`) or no linked channel: the section is simply not there.
  const youtube = useQuery("new-job-youtube", () => api.youtube.status());
  const publishable = canAutoPublish(youtube.data) && !youtube.error;
  const abortRef = useRef<AbortController | null>(null);
  // Stays busy after success: the browser moves on to the new job's page.
  const { busy, fieldErrors: errors, formErrors, submit } = useFormAction(FIELDS, { holdBusyOnSuccess: true });

  // The job's maximum clips bounds how many of its best can be published.
  const maxClips = Number.parseInt(draft.max_clips, 10);
  const topLimit = Number.isInteger(maxClips) && maxClips >= 1 ? Math.min(maxClips, TOP_MAX) : TOP_MAX;

  function jobOptions(): JobOptions {
    const { options } = optionsFromDraft(draft);
    const publish = publishable ? autoPublishOption(autoPublish) : undefined;
    return publish ? { ...options, publish } : options;
  }

  function validate(): Errors {
    const errors: Errors = { ...optionsFromDraft(draft).errors };
    if (publishable) Object.assign(errors, autoPublishProblems(autoPublish, topLimit));
    if (source === "url") errors.source_url = validateSourceUrl(url);
    else if (!file) errors.file = "Choose a video file.";
    if (captions && !/\.(vtt|srt)$/i.test(captions.name)) errors.captions = "Captions must be a .vtt or .srt file.";
    return errors;
  }

  const onSubmit = (e: FormEvent) =>
    submit(e, validate, async () => {
      const options = jobOptions();
      try {
        const job = source === "url" ? await api.jobs.createFromUrl({ source_url: url.trim(), options }) : await uploadFile(options);
        toast({ tone: "success", title: "Job created", description: "Processing starts shortly." });
        router.push(`/jobs/${job.id}`);
      } catch (err) {
        setUploaded(null);
        throw err;
      }
    });

  function uploadFile(options: JobOptions) {
    abortRef.current = new AbortController();
    setUploaded(0);
    return api.jobs.createFromUpload(
      { file: file!, captions, options },
      { onProgress: (p) => setUploaded(p.fraction * 100), signal: abortRef.current.signal },
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-6" aria-label="New job">
      <FormError messages={formErrors} />
      <Card>
        <CardHeader title="Source" />
        <div className="space-y-4 p-4 sm:p-6">
          <fieldset>
            <legend className="sr-only">Where the video comes from</legend>
            <div className="inline-flex rounded-lg bg-zinc-100 p-1">
              {(
                [
                  ["url", "YouTube link"],
                  ["upload", "Upload a file"],
                ] as const
              ).map(([value, label]) => (
                <label
                  key={value}
                  className={cn(
                    "cursor-pointer rounded-md px-3 py-1.5 text-sm font-medium text-zinc-600 has-focus-visible:outline-2 has-focus-visible:outline-accent-600",
                    source === value && "bg-white text-zinc-900 shadow-xs",
                  )}
                >
                  <input
                    type="radio"
                    name="source"
                    value={value}
                    checked={source === value}
                    onChange={() => setSource(value)}
                    className="sr-only"
                  />
                  {label}
                </label>
              ))}
            </div>
          </fieldset>
          {source === "url" ? (
            <Field id="source_url" label="Video link" error={errors.source_url} hint="A YouTube link in any form: watch, youtu.be, shorts, live.">
              <Input
                {...describedBy("source_url", errors.source_url, "hint")}
                type="url"
                inputMode="url"
                placeholder="https://www.youtube.com/watch?v=…"
                value={url}
                onChange={(e) => setUrl(e.target.value)}
              />
            </Field>
          ) : (
            <Field id="file" label="Video file" error={errors.file} hint={file ? `${file.name} · ${formatBytes(file.size)}` : "MP4, MOV, MKV, WebM…"}>
              <Input
                {...describedBy("file", errors.file, "hint")}
                type="file"
                accept="video/*,audio/*"
                className="py-1.5"
                onChange={(e) => setFile(e.target.files?.[0] ?? null)}
              />
            </Field>
          )}
          <Field
            id="captions"
            label="Captions file (optional)"
            error={errors.captions}
            hint="An SRT or VTT file skips transcription and uses your exact words."
          >
            <Input
              {...describedBy("captions", errors.captions, "hint")}
              type="file"
              accept=".vtt,.srt,text/vtt,application/x-subrip"
              className="py-1.5"
              onChange={(e) => setCaptions(e.target.files?.[0] ?? null)}
            />
          </Field>
        </div>
      </Card>
      <Card>
        <CardHeader title="Options" description="Prefilled from your settings." />
        <div className="p-4 sm:p-6">
          <OptionsFields
            draft={draft}
            onChange={setDraft}
            errors={errors}
            criteria={criteria}
            criteriaError={criteriaError}
            idPrefix="job"
          />
        </div>
      </Card>
      {publishable && (
        <Card>
          <CardHeader title="YouTube" description={`Publishes the job's best clips to ${youtube.data?.channel?.title ?? "your channel"}.`} />
          <div className="p-4 sm:p-6">
            <AutoPublishFields draft={autoPublish} onChange={setAutoPublish} errors={errors} maxClips={topLimit} />
          </div>
        </Card>
      )}
      {uploaded !== null && (
        <div aria-live="polite">
          <p className="mb-1 text-sm text-zinc-600">{uploaded < 100 ? "Uploading…" : "Upload complete, checking the file…"}</p>
          <ProgressBar value={uploaded} label="Upload progress" showValue />
        </div>
      )}
      <div className="flex justify-end gap-2">
        {uploaded !== null && uploaded < 100 && (
          <Button variant="secondary" onClick={() => abortRef.current?.abort()}>
            Cancel upload
          </Button>
        )}
        <Button type="submit" busy={busy}>
          Create job
        </Button>
      </div>
    </form>
  );
}
