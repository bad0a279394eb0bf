"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/field";
import { toast } from "@/components/ui/toast";
import { useFormAction } from "@/hooks/use-form-action";
import { api, type CriteriaSummary, type JobOptions, type Settings } from "@/lib/api";
import { draftFromOptions, OPTION_FIELDS, optionsFromDraft } from "@/lib/options";
import { OptionsFields } from "./options-fields";

export interface SettingsFormProps {
  initial: Settings;
  criteria: CriteriaSummary[] | undefined;
  criteriaError?: string;
  onSaved?: (saved: Settings) => void;
  save?: (options: JobOptions) => Promise<Settings>;
}

export function SettingsForm({ initial, criteria, criteriaError, onSaved, save = api.settings.put }: SettingsFormProps) {
  const [draft, setDraft] = useState(() => draftFromOptions(initial));
  const { busy, fieldErrors: errors, formErrors, submit } = useFormAction(OPTION_FIELDS);

  const onSubmit = (e: FormEvent) =>
    submit(
      e,
      () => optionsFromDraft(draft).errors,
      async () => {
        const { options } = optionsFromDraft(draft);
        const saved = await save(options);
        setDraft(draftFromOptions(saved ?? options));
        onSaved?.(saved ?? options);
        toast({ tone: "success", title: "Settings saved" });
      },
    );

  return (
    <Card className="p-4 sm:p-6">
      <form onSubmit={onSubmit} noValidate className="space-y-5" aria-label="Processing defaults">
        <FormError messages={formErrors} />
        <OptionsFields
          draft={draft}
          onChange={setDraft}
          errors={errors}
          criteria={criteria}
          criteriaError={criteriaError}
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
