// @vitest-environment node
import { describe, expect, it } from "vitest";
import { safeNext } from "@/lib/safe-next";

describe("safeNext: where the login page may send the browser", () => {
  it.each([
    ["/", "/"],
    ["/jobs", "/jobs"],
    ["/jobs?status=failed&page=2", "/jobs?status=failed&page=2"],
    ["/jobs/7c9e6679-7425-40de-944b-e07fc1f90ae7", "/jobs/7c9e6679-7425-40de-944b-e07fc1f90ae7"],
    ["/criteria/viral_hooks#history", "/criteria/viral_hooks#history"],
    ["/clips?job_id=a%20b", "/clips?job_id=a%20b"],
  ])("keeps the same-origin path %j", (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });

  it.each([
    ["nothing", null],
    ["an empty value", ""],
    ["a protocol-relative URL", "//evil.example"],
    ["a backslash the browser reads as a slash", "/\\evil.example"],
    ["two backslashes", "\\\\evil.example"],
    ["a backslash after the slash, then a path", "/\\evil.example/jobs"],
    ["a tab the browser drops", "/\tevil"],
    ["a tab before a second slash", "/\t/evil.example"],
    ["a newline before a second slash", "/\n/evil.example"],
    ["a carriage return before a second slash", "/\r/evil.example"],
    ["a backslash after a tab", "/\t\\evil.example"],
    ["an encoded backslash", "/%5Cevil"],
    ["an encoded backslash, lower case", "/%5cevil.example"],
    ["a twice-encoded backslash", "/%255Cevil.example"],
    ["an encoded tab", "/%09/evil.example"],
    ["an encoded second slash", "/%2Fevil.example"],
    ["a malformed escape", "/%E0%A4%A"],
    ["a NUL byte", "/\u0000/evil.example"],
    ["a leading space", " /jobs"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["a javascript: URL in upper case", "JAVASCRIPT:alert(1)"],
    ["a data: URL", "data:text/html,<script>alert(1)</script>"],
    ["an absolute http URL", "http://evil.example/"],
    ["an absolute https URL", "https://evil.example/jobs"],
    ["a relative path", "jobs"],
  ])("falls back to / for %s", (_, next) => {
    expect(safeNext(next)).toBe("/");
  });
});
