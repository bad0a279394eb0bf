import { NotFoundView } from "@/components/ui/route-states";

export default function AppNotFound() {
  return <NotFoundView title="Not found" description="It does not exist, or it belongs to someone else." href="/" linkLabel="Back to overview" />;
}
