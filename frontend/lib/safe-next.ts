/**
 * Where to go after logging in: the `?next=` value when it is a path on this site, else "/".
 *
 * Browsers drop tabs and newlines from URLs and read "\" as "/", so "/\evil.example" and
 * "/\t/evil.example" both become "//evil.example" (another site). Anything holding a
 * backslash, white space or a control character, even percent-encoded, is refused outright
 * rather than cleaned up; the URL parser then has the last word on the origin.
 */
const BASE = "https://dashboard.invalid";
// As typed: no white space at all. Once decoded: still no backslash or control character
// (an encoded space in a query string is fine).
const UNSAFE_RAW = /[\\\s\u0000-\u001f\u007f]/;
const UNSAFE_DECODED = /[\\\u0000-\u001f\u007f]/;

export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || UNSAFE_RAW.test(next)) return "/";
  const decoded = fullyDecoded(next);
  if (decoded === null || UNSAFE_DECODED.test(decoded) || decoded.startsWith("//")) return "/";
  return new URL(next, BASE).origin === BASE ? next : "/";
}

/** Percent-decodes until nothing changes (a few rounds at most); null for malformed escapes. */
function fullyDecoded(value: string): string | null {
  let current = value;
  for (let round = 0; round < 4; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return current;
    current = next;
  }
  // Still encoded after four rounds: nobody writes that by accident.
  return null;
}
