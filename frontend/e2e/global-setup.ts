import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

export const MEDIA_DIR = path.join(here, "media");
export const SCREENSHOT_DIR = path.join(here, "..", "e2e-screenshots");

/** Generated media (a spoken talk + true captions) and a fresh screenshot folder. */
export default function globalSetup() {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  if (!existsSync(path.join(MEDIA_DIR, "talk.mp4")) || !existsSync(path.join(MEDIA_DIR, "talk.vtt"))) {
    execFileSync("bash", [path.join(here, "make-media.sh"), MEDIA_DIR], { stdio: "inherit" });
  }
}
