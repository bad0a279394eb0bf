import { NotFoundView } from "@/components/ui/route-states";

export default function CriteriaNotFound() {
  return <NotFoundView title="No such criteria" description="There is no built-in or saved criteria by that name." href="/criteria" linkLabel="All criteria" />;
}
