"use client";

import { PageHeader } from "@/components/ui/card";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useQuery } from "@/hooks/use-query";
import { api } from "@/lib/api";
import { SettingsForm } from "./settings-form";

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
