import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores([
    ".next/**",
    ".next-e2e/**",
    "node_modules/**",
    "next-env.d.ts",
    "lib/api-types.ts",
    "e2e-screenshots/**",
    "test-results/**",
    "playwright-report/**",
  ]),
]);
