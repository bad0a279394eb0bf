import type { Metadata } from "next";
import { PublicationsPage } from "@/components/youtube/publications-page";

export const metadata: Metadata = { title: "Publications" };

export default function Page() {
  return <PublicationsPage />;
}
