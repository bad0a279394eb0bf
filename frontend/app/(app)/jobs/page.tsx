import type { Metadata } from "next";
import { Suspense } from "react";
import { JobsTable } from "@/components/jobs/jobs-table";
import { LoadingState } from "@/components/ui/states";

export const metadata: Metadata = { title: "Jobs" };

export default function JobsPage() {
  return (
    <Suspense fallback={<LoadingState />}>
      <JobsTable />
    </Suspense>
  );
}
