import path from "node:path";
import type { Page } from "@playwright/test";
import { MEDIA_DIR } from "./global-setup";

/** On the new-job form: the generated talk and its true captions as an upload, with clip bounds. */
export async function fillTalkUpload(page: Page, clips: { shortest: number; longest: number; count: number }) {
  await page.getByText("Upload a file").click();
  await page.getByLabel("Video file").setInputFiles(path.join(MEDIA_DIR, "talk.mp4"));
  await page.getByLabel("Captions file (optional)").setInputFiles(path.join(MEDIA_DIR, "talk.vtt"));
  await page.getByLabel("Shortest clip (seconds)").fill(String(clips.shortest));
  await page.getByLabel("Longest clip (seconds)").fill(String(clips.longest));
  await page.getByLabel("Maximum clips").fill(String(clips.count));
}
