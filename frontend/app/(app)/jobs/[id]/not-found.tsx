import { NotFoundView } from "@/components/ui/route-states";

export default function JobNotFound() {
  return <NotFoundView title="Job not found" description="It was deleted, or it is not yours." href="/jobs" linkLabel="Back to jobs" />;
}
