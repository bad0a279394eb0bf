import type { NextConfig } from "next";

// Rewrites are resolved when the app is built (they are written into the routes manifest),
// so BACKEND_URL must be set at build time; the Dockerfile takes it as a build argument.
const backend = (process.env.BACKEND_URL ?? "http://127.0.0.1:5000").replace(/\/+$/, "");

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
