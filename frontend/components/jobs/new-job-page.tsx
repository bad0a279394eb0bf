"use client";

import { PageHeader } from "@/components/ui/card";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useQuery } from "@/hooks/use-query";
import { api } from "@/lib/api";
import { NewJobForm } from "./new-job-form";

export function NewJobPage() {
  const settings = useQuery("settings", () => api.settings.get());
  const criteria = useQuery("criteria", () => api.criteria.list());
  return (
    <>
      <PageHeader title="New job" description="Find the best moments of a video and cut them into clips." />
      {settings.error && !settings.data ? (
        <ErrorState error={settings.error} onRetry={settings.reload} title="Could not load your defaults" />
      ) : !settings.data ? (
        <LoadingState />
      ) : (
        <NewJobForm defaults={settings.data} criteria={criteria.data} criteriaError={criteria.error?.message} />
      )}
    </>
  );
}
