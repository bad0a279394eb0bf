import type { Metadata } from "next";
import { CriteriaList } from "@/components/criteria/criteria-list";

export const metadata: Metadata = { title: "Criteria" };

export default function Page() {
  return <CriteriaList />;
}
