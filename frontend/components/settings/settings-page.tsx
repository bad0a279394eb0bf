"use client";

import { PageHeader } from "@/components/ui/card";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useQuery } from "@/hooks/use-query";
import { api } from "@/lib/api";
import { PasswordForm, SignOutEverywhere } from "./account-forms";
import { YouTubeCard } from "@/components/youtube/youtube-card";
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
      <div className="mt-8" id="youtube">
        <YouTubeCard />
      </div>
      <h2 className="mt-8 mb-3 text-base font-semibold">Account</h2>
      <div className="space-y-6">
        <PasswordForm />
        <SignOutEverywhere />
      </div>
    </>
  );
}
