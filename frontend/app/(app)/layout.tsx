import { AppNav } from "@/components/app-nav";
import { AuthProvider } from "@/components/auth/auth-provider";
import { LiveToasts } from "@/components/live-toasts";
import { RelinkBanner } from "@/components/youtube/relink-banner";

export default function AppLayout({ children }: { children: React.ReactNode }) {
  return (
    <AuthProvider>
      <AppNav />
      <LiveToasts />
      <RelinkBanner />
      <main className="mx-auto max-w-6xl px-4 py-6 sm:py-8">{children}</main>
    </AuthProvider>
  );
}
