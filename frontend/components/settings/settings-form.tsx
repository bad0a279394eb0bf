"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { FormError } from "@/components/ui/field";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { toast } from "@/components/ui/toast";
import { useQuery } from "@/hooks/use-query";
import { api, ApiError, errorMessage, type CriteriaSummary, type JobOptions } from "@/lib/api";
import { draftFromOptions, OPTION_FIELDS, optionErrorsFrom, optionsFromDraft, type OptionErrors } from "@/lib/options";
import { OptionsFields } from "./options-fields";

export function SettingsPage() {
  const settings = useQuery("settings", () => api.settings.get());
  const criteria = useQuery("criteria", () => api.criteria.list());
  return (
    <>
      <PageHeader title="Settings" description="Defaults for new jobs. Each job can still override them." />
      {settings.error && !settings.data ? (
        <ErrorState error={settings.error} onRetry={settings.reload} />
      ) : !settings.data ? (
        <LoadingState />
      ) : (
        <SettingsForm
          initial={settings.data}
          criteria={criteria.data}
          criteriaError={criteria.error?.message}
          onSaved={() => void settings.reload()}
        />
      )}
    </>
  );
}

export interface SettingsFormProps {
  initial: JobOptions;
  criteria: CriteriaSummary[] | undefined;
  criteriaError?: string;
  onSaved?: (saved: JobOptions) => void;
  save?: (options: JobOptions) => Promise<JobOptions>;
}

export function SettingsForm({ initial, criteria, criteriaError, onSaved, save = api.settings.put }: SettingsFormProps) {
  const [draft, setDraft] = useState(() => draftFromOptions(initial));
  const [errors, setErrors] = useState<OptionErrors>({});
  const [formError, setFormError] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const { options, errors: local } = optionsFromDraft(draft);
    setErrors(local);
    setFormError([]);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      const saved = await save(options);
      setDraft(draftFromOptions(saved ?? options));
      onSaved?.(saved ?? options);
      toast({ tone: "success", title: "Settings saved" });
    } catch (err) {
      if (err instanceof ApiError) {
        setErrors(optionErrorsFrom(err));
        setFormError([err.message, ...err.unclaimedFieldErrors(OPTION_FIELDS)]);
      } else setFormError([errorMessage(err)]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card className="p-4 sm:p-6">
      <form onSubmit={onSubmit} noValidate className="space-y-5" aria-label="Processing defaults">
        <FormError messages={formError} />
        <OptionsFields
          draft={draft}
          onChange={setDraft}
          errors={errors}
          criteria={criteria}
          criteriaError={criteriaError}
          advanced
          idPrefix="settings"
        />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setDraft(draftFromOptions(initial))} disabled={busy}>
            Reset
          </Button>
          <Button type="submit" busy={busy}>
            Save settings
          </Button>
        </div>
      </form>
    </Card>
  );
}
