import type { Metadata } from "next";
import { CriteriaEditorPage } from "@/components/criteria/criteria-editor-page";

export const metadata: Metadata = { title: "Edit criteria" };

export default function Page() {
  return <CriteriaEditorPage />;
}
