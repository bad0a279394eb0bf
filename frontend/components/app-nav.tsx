"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";
import { useSession } from "@/components/auth/auth-provider";
import { Button, buttonClass } from "@/components/ui/button";
import { cn } from "@/lib/cn";

const LINKS = [
  { href: "/", label: "Overview" },
  { href: "/jobs", label: "Jobs" },
  { href: "/clips", label: "Clips" },
  { href: "/publications", label: "Publications" },
  { href: "/criteria", label: "Criteria" },
  { href: "/settings", label: "Settings" },
];

function isActive(pathname: string, href: string): boolean {
  if (href === "/") return pathname === "/";
  if (href === "/jobs") return pathname === "/jobs" || (pathname.startsWith("/jobs/") && pathname !== "/jobs/new");
  return pathname === href || pathname.startsWith(`${href}/`);
}

export function AppNav() {
  const pathname = usePathname();
  const { user, logout } = useSession();
  const [open, setOpen] = useState(false);
  const [leaving, setLeaving] = useState(false);

  const links = LINKS.map((l) => (
    <Link
      key={l.href}
      href={l.href}
      onClick={() => setOpen(false)}
      aria-current={isActive(pathname, l.href) ? "page" : undefined}
      className={cn(
        "rounded-md px-3 py-2 text-sm font-medium text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900",
        "aria-[current=page]:bg-zinc-100 aria-[current=page]:text-zinc-900",
      )}
    >
      {l.label}
    </Link>
  ));

  async function onLogout() {
    setLeaving(true);
    await logout();
  }

  return (
    <header className="sticky top-0 z-40 border-b border-zinc-200 bg-white/90 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-6xl items-center gap-4 px-4">
        <Link href="/" className="shrink-0 font-semibold tracking-tight">
          <span className="text-accent-600">▶</span> Viral Clipper
        </Link>
        <nav aria-label="Main" className="hidden flex-1 items-center gap-1 lg:flex">
          {links}
        </nav>
        <div className="ml-auto hidden items-center gap-2 lg:flex">
          <Link href="/jobs/new" className={buttonClass("primary", "sm")}>
            New job
          </Link>
          <span className="max-w-40 truncate text-sm text-zinc-500" title={user.email}>
            {user.name || user.email}
          </span>
          <Button variant="ghost" size="sm" onClick={onLogout} busy={leaving}>
            Log out
          </Button>
        </div>
        <button
          type="button"
          className={buttonClass("ghost", "sm", "ml-auto lg:hidden")}
          aria-expanded={open}
          aria-controls="mobile-nav"
          onClick={() => setOpen((v) => !v)}
        >
          <span aria-hidden>{open ? "✕" : "☰"}</span>
          <span className="sr-only">{open ? "Close menu" : "Open menu"}</span>
        </button>
      </div>
      {open && (
        <nav id="mobile-nav" aria-label="Main" className="flex flex-col gap-1 border-t border-zinc-200 px-4 py-3 lg:hidden">
          {links}
          <Link href="/jobs/new" onClick={() => setOpen(false)} className={buttonClass("primary", "sm", "mt-2")}>
            New job
          </Link>
          <div className="mt-2 flex items-center justify-between border-t border-zinc-200 pt-3">
            <span className="truncate text-sm text-zinc-500">{user.email}</span>
            <Button variant="secondary" size="sm" onClick={onLogout} busy={leaving}>
              Log out
            </Button>
          </div>
        </nav>
      )}
    </header>
  );
}
