"use client";

import { useRouter } from "next/navigation";
import { createContext, useCallback, useContext, type ReactNode } from "react";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useQuery } from "@/hooks/use-query";
import { api, ApiError, type MeResponse, type User } from "@/lib/api";
import { closeLiveSocket } from "@/lib/socket";

interface Session {
  user: User;
  storageBytes: number | undefined;
  reload: () => Promise<void>;
  logout: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside <AuthProvider>");
  return session;
}

/** Storage used, wherever this backend version reports it (on the user or beside it). */
function storageOf(me: MeResponse): number | undefined {
  const beside = (me as { storage_bytes?: unknown }).storage_bytes;
  const onUser = (me.user as { storage_bytes?: unknown }).storage_bytes;
  const value = typeof beside === "number" ? beside : onUser;
  return typeof value === "number" ? value : undefined;
}

/** Gate for signed-in pages: a 401 that survives a refresh sends the browser to /login (lib/api). */
export function AuthProvider({ children }: { children: ReactNode }) {
  const router = useRouter();
  const me = useQuery("me", () => api.auth.me());
  const logout = useCallback(async () => {
    try {
      await api.auth.logout();
    } catch {
      // The session may already be gone; logging out locally is what the user asked for.
    }
    closeLiveSocket();
    router.replace("/login");
    router.refresh();
  }, [router]);

  if (me.error && !(me.error instanceof ApiError && me.error.status === 401)) {
    return (
      <div className="mx-auto max-w-lg p-6">
        <ErrorState error={me.error} onRetry={me.reload} title="Could not reach Viral Clipper" />
      </div>
    );
  }
  if (!me.data) return <LoadingState label="Checking your session…" />;
  const session: Session = { user: me.data.user, storageBytes: storageOf(me.data), reload: me.reload, logout };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
