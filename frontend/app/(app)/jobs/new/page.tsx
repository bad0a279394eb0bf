import type { Metadata } from "next";
import { NewJobPage } from "@/components/jobs/new-job-page";

export const metadata: Metadata = { title: "New job" };

export default function Page() {
  return <NewJobPage />;
}
