"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useSession } from "@/components/auth/auth-provider";
import { useQuery } from "@/hooks/use-query";
import { api } from "@/lib/api";
import { showRelinkBanner } from "@/lib/youtube";

/**
 * Shown on every page while Google refuses the linked channel's token (invalid_grant): uploads
 * fail until the user links it again. Only asked for when the user has a linked account; the
 * key includes the path so that coming back from the callback asks again.
 */
export function RelinkBanner() {
  const { user } = useSession();
  const pathname = usePathname();
  const status = useQuery(user.youtube_connected ? `youtube-banner-${pathname}` : null, () => api.youtube.status());
  if (!showRelinkBanner(status.data)) return null;
  return (
    <div role="alert" className="border-b border-amber-200 bg-amber-50 px-4 py-2 text-center text-sm text-amber-900" data-testid="relink-banner">
      Google no longer accepts the link to your YouTube channel, so publishing fails.{" "}
      <Link href="/settings#youtube" className="font-medium underline">
        Re-link it in Settings
      </Link>
    </div>
  );
}
