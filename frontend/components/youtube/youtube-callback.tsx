"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { useSession } from "@/components/auth/auth-provider";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/card";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { toast } from "@/components/ui/toast";
import { api, errorMessage } from "@/lib/api";

/** Google sends the user back here with code+state (or error): finish the link, then Settings. */
export function YouTubeCallback() {
  const params = useSearchParams();
  const router = useRouter();
  const { reload } = useSession();
  const [failure, setError] = useState<string | null>(null);
  // The state is single-use: a second POST (React's development double effect) would fail.
  const sent = useRef(false);
  const code = params.get("code");
  const state = params.get("state");
  const denied = params.get("error");
  // What Google's redirect itself says went wrong; nothing to send then.
  const urlProblem = denied === "access_denied"
    ? "You did not allow access to the channel."
    : denied || !code || !state
      ? "Google did not send back an authorization code."
      : null;
  const error = urlProblem ?? failure;

  useEffect(() => {
    if (sent.current || !code || !state || denied) return;
    sent.current = true;
    api.youtube.callback({ code, state }).then(
      (status) => {
        toast({ tone: "success", title: "YouTube linked", description: status.channel?.title });
        void reload();
        router.replace("/settings#youtube");
      },
      (err) => setError(errorMessage(err)),
    );
  }, [code, state, denied, reload, router]);

  return (
    <>
      <PageHeader title="Linking YouTube" />
      {error ? (
        <div className="space-y-3">
          <ErrorState error={new Error(error)} title="The channel was not linked" />
          <Link href="/settings#youtube" className={buttonClass("secondary", "sm")}>
            Back to Settings
          </Link>
        </div>
      ) : (
        <LoadingState label="Finishing the link with Google…" />
      )}
    </>
  );
}
