import type { NextConfig } from "next";

// Rewrites are resolved when the app is built (they are written into the routes manifest),
// so BACKEND_URL must be set at build time; the Dockerfile takes it as a build argument.
const backend = (process.env.BACKEND_URL ?? "http://127.0.0.1:5000").replace(/\/+$/, "");

// Every page the dashboard itself serves. The proxied API, Socket.IO and health answers keep
// the backend's own headers (doubled values such as "nosniff, nosniff" are not understood).
const DASHBOARD_PAGES = "/((?!api/|socket\\.io|health).*)";
const SECURITY_HEADERS = [
  // No other site may frame the dashboard (clickjacking); X-Frame-Options for older browsers.
  { key: "Content-Security-Policy", value: "frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  // Job and clip ids in our URLs are nobody else's business.
  { key: "Referrer-Policy", value: "same-origin" },
];

const nextConfig: NextConfig = {
  output: "standalone",
  // The e2e run builds its own copy (pointing at its own backend) without touching .next.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  reactStrictMode: true,
  poweredByHeader: false,
  experimental: {
    // Next 16 buffers every proxied request body up to this size and silently truncates the
    // rest (default 10 MB), which broke video uploads through the /api rewrite. Uploads larger
    // than this must go to the API directly (or through `python -m backend process`).
    proxyClientMaxBodySize: Number(process.env.DASHBOARD_MAX_UPLOAD_BYTES ?? 2 * 1024 ** 3),
  },
  async headers() {
    return [{ source: DASHBOARD_PAGES, headers: SECURITY_HEADERS }];
  },
  // The dashboard talks to the API through these rewrites so the API's cookies are first-party
  // (same origin as the pages) and the CSRF double-submit cookie is readable by our scripts.
  async rewrites() {
    return [
      { source: "/api/:path*", destination: `${backend}/api/:path*` },
      // Engine.IO answers on "/socket.io/" only; ":path*" would drop the trailing slash.
      { source: "/socket.io/", destination: `${backend}/socket.io/` },
      { source: "/socket.io/:path+", destination: `${backend}/socket.io/:path+` },
      { source: "/health", destination: `${backend}/health` },
    ];
  },
  // socket.io and the API use trailing slashes on some paths; keep them as sent.
  skipTrailingSlashRedirect: true,
};

export default nextConfig;
