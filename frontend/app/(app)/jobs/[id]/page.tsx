import type { Metadata } from "next";
import { JobDetailPage } from "@/components/jobs/job-detail-page";

export const metadata: Metadata = { title: "Job" };

export default function Page() {
  return <JobDetailPage />;
}
