import { NextResponse, type NextRequest } from "next/server";

/**
 * Sends visitors without any session cookie straight to the login page. A cookie that exists
 * but has expired is handled in the browser (refresh once, then login), see lib/api.ts.
 */
export function proxy(request: NextRequest) {
  const { cookies, nextUrl } = request;
  if (cookies.has("access_token_cookie") || cookies.has("refresh_token_cookie")) return NextResponse.next();
  const login = new URL("/login", request.url);
  if (nextUrl.pathname !== "/") login.searchParams.set("next", nextUrl.pathname + nextUrl.search);
  return NextResponse.redirect(login);
}

export const config = {
  // Never the proxied backend paths: a proxy on them would buffer (and cap) upload bodies.
  matcher: ["/((?!api/|socket\\.io|health|login|register|_next/|favicon\\.ico|.*\\.(?:svg|png|jpg|ico|webp)$).*)"],
};
